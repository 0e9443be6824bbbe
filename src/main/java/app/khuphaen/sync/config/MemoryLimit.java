package app.khuphaen.sync.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * How much memory the server may use in all, and where that figure came from: MEMORY_LIMIT_BYTES
 * when given, else the memory cgroup's limit ({@code docker run --memory=…}: cgroup v2
 * {@code memory.max}, v1 {@code memory.limit_in_bytes}; the smallest along the cgroup's path, as the
 * kernel enforces each), else {@link #DEFAULT_BYTES}, the size the defaults are documented for.
 */
public record MemoryLimit(long bytes, String source) {
  public static final long DEFAULT_BYTES = 100L * 1024 * 1024;
  /** Below this the plan's share for incoming messages is less than the default MAX_MESSAGE_BYTES. */
  static final long MIN_BYTES = 80L * 1024 * 1024;
  /** A cgroup "limit" this large is no limit (v1 writes 2^63 rounded to pages for none). */
  private static final long NO_LIMIT = 1L << 50;

  /** No limit found: the defaults' size. */
  public static MemoryLimit defaults() {
    return new MemoryLimit(DEFAULT_BYTES, "no memory limit found: sized for 100 MiB");
  }

  /** This process's limit, as the running system shows it. */
  public static MemoryLimit detect(String explicit) {
    return detect(explicit, Path.of("/proc/self/cgroup"), Path.of("/sys/fs/cgroup"));
  }

  /**
   * @param explicit MEMORY_LIMIT_BYTES as given, or null
   * @param procSelfCgroup the process's {@code /proc/self/cgroup}
   * @param cgroupRoot where the cgroup file systems are mounted ({@code /sys/fs/cgroup})
   */
  static MemoryLimit detect(String explicit, Path procSelfCgroup, Path cgroupRoot) {
    if (explicit != null && !explicit.isBlank()) {
      return new MemoryLimit(parse(explicit), "MEMORY_LIMIT_BYTES");
    }
    try {
      for (String line : Files.readAllLines(procSelfCgroup)) {
        String[] parts = line.split(":", 3);
        if (parts.length != 3) {
          continue;
        }
        MemoryLimit found = null;
        if (List.of(parts[1].split(",")).contains("memory")) {
          found = smallestAlong(cgroupRoot.resolve("memory"), parts[2], "memory.limit_in_bytes", "cgroup v1");
        } else if (parts[0].equals("0") && parts[1].isEmpty() && Files.exists(cgroupRoot.resolve("cgroup.controllers"))) {
          found = smallestAlong(cgroupRoot, parts[2], "memory.max", "cgroup v2");
        }
        if (found != null) {
          return found;
        }
      }
    } catch (IOException | RuntimeException e) {
      return new MemoryLimit(DEFAULT_BYTES, "no readable memory cgroup (" + e.getMessage() + "): sized for 100 MiB");
    }
    return defaults();
  }

  /**
   * The smallest limit from the process's cgroup up to the mount's root. In a container the mount is
   * the container's own cgroup, which /proc/self/cgroup may still name by its host path: then only
   * the root's files are there to read.
   */
  private static MemoryLimit smallestAlong(Path mount, String path, String file, String kind) throws IOException {
    MemoryLimit smallest = null;
    Path dir = mount.resolve(path.startsWith("/") ? path.substring(1) : path).normalize();
    if (!dir.startsWith(mount) || !Files.isDirectory(dir)) {
      dir = mount;
    }
    for (; dir != null && dir.startsWith(mount); dir = dir.getParent()) {
      Path limitFile = dir.resolve(file);
      if (Files.isReadable(limitFile)) {
        String value = Files.readString(limitFile).trim();
        if (!value.equals("max") && Long.parseLong(value) < NO_LIMIT
            && (smallest == null || Long.parseLong(value) < smallest.bytes())) {
          smallest = new MemoryLimit(Long.parseLong(value), kind + " " + limitFile);
        }
      }
    }
    return smallest;
  }

  /** Bytes, or with a k, m or g suffix (binary, as docker's --memory). */
  static long parse(String value) {
    String v = value.trim().toLowerCase(java.util.Locale.ROOT);
    long unit = switch (v.isEmpty() ? ' ' : v.charAt(v.length() - 1)) {
      case 'k' -> 1024L;
      case 'm' -> 1024L * 1024;
      case 'g' -> 1024L * 1024 * 1024;
      default -> 1;
    };
    try {
      long n = Long.parseLong(unit == 1 ? v : v.substring(0, v.length() - 1)) * unit;
      if (n < MIN_BYTES) {
        throw new ConfigException("Invalid setting MEMORY_LIMIT_BYTES=" + value + ": expected at least 80 MiB (83886080, or 80m)");
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ConfigException("Invalid setting MEMORY_LIMIT_BYTES=" + value + ": expected bytes, or a number with k, m or g");
    }
  }
}
