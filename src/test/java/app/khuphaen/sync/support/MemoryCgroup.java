package app.khuphaen.sync.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A memory cgroup of its own, made as a child of this process's cgroup (v1 or v2), with a hard limit:
 * what {@code docker run --memory=…} gives a container, on this machine. A process started through
 * {@link #wrap} runs inside it from its first instruction, and the kernel charges it everything:
 * heap, direct buffers, class data, code, threads, page cache. Needs root (as the suite runs here);
 * {@link #create} answers empty, saying why, where no cgroup can be made.
 */
public final class MemoryCgroup implements AutoCloseable {
  private final Path dir;
  private final boolean v2;

  private MemoryCgroup(Path dir, boolean v2) {
    this.dir = dir;
    this.v2 = v2;
  }

  /** The reason no cgroup can be made here, or null when one can. */
  private static String unavailable;

  public static Optional<MemoryCgroup> create(String name, long limitBytes) {
    try {
      Path own = ownCgroup();
      if (own == null) {
        unavailable = "no memory cgroup controller for this process in /proc/self/cgroup";
        return Optional.empty();
      }
      boolean v2 = !own.startsWith("/sys/fs/cgroup/memory");
      Path dir = own.resolve(name + "-" + ProcessHandle.current().pid());
      Files.createDirectories(dir);
      MemoryCgroup cgroup = new MemoryCgroup(dir, v2);
      cgroup.write(v2 ? "memory.max" : "memory.limit_in_bytes", Long.toString(limitBytes));
      if (v2) {
        cgroup.writeIfPresent("memory.swap.max", "0");
      } else {
        cgroup.writeIfPresent("memory.memsw.limit_in_bytes", Long.toString(limitBytes));
      }
      return Optional.of(cgroup);
    } catch (IOException | RuntimeException e) {
      unavailable = "cannot make a memory cgroup: " + e;
      return Optional.empty();
    }
  }

  /** Why {@link #create} answered empty. */
  public static String whyUnavailable() {
    return unavailable;
  }

  private static Path ownCgroup() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
      String[] parts = line.split(":", 3);
      if (parts.length == 3 && List.of(parts[1].split(",")).contains("memory")) {
        return Path.of("/sys/fs/cgroup/memory" + parts[2]);
      }
      if (parts.length == 3 && parts[0].equals("0") && parts[1].isEmpty()
          && Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))) {
        return Path.of("/sys/fs/cgroup" + parts[2]);
      }
    }
    return null;
  }

  /** {@code command}, run inside this cgroup (a shell puts itself in, then execs it). */
  public List<String> wrap(List<String> command) {
    List<String> wrapped = new ArrayList<>(List.of("sh", "-c", "echo $$ > '" + dir.resolve("cgroup.procs") + "' && exec \"$@\"", "sh"));
    wrapped.addAll(command);
    return wrapped;
  }

  /** The most the cgroup has been charged since it was made or since {@link #resetPeak}. */
  public long peakBytes() throws IOException {
    return Long.parseLong(read(v2 ? "memory.peak" : "memory.max_usage_in_bytes").trim());
  }

  /** Starts a new peak (v1 only; v2's peak cannot be reset: it stays the lifetime peak). */
  public void resetPeak() throws IOException {
    if (!v2) {
      write("memory.max_usage_in_bytes", "0");
    }
  }

  /** Processes the kernel killed for want of memory in this cgroup. */
  public long oomKills() throws IOException {
    String counters = read(v2 ? "memory.events" : "memory.oom_control");
    for (String line : counters.split("\n")) {
      if (line.startsWith("oom_kill ")) {
        return Long.parseLong(line.substring("oom_kill ".length()).trim());
      }
    }
    return 0;
  }

  /** How often the limit was hit (v1: memory.failcnt; v2: memory.events "max"). */
  public long limitHits() throws IOException {
    if (!v2) {
      return Long.parseLong(read("memory.failcnt").trim());
    }
    for (String line : read("memory.events").split("\n")) {
      if (line.startsWith("max ")) {
        return Long.parseLong(line.substring(4).trim());
      }
    }
    return 0;
  }

  /** The limit it was made with. */
  public long limitBytes() throws IOException {
    return Long.parseLong(read(v2 ? "memory.max" : "memory.limit_in_bytes").trim());
  }

  /**
   * What the kernel cannot reclaim from the cgroup now: anonymous memory and its own (socket buffers,
   * structures); file pages it drops under the limit are left out.
   */
  public long unreclaimableBytes() throws IOException {
    java.util.Map<String, Long> stat = stat();
    if (v2) {
      return stat.getOrDefault("anon", 0L) + stat.getOrDefault("kernel", stat.getOrDefault("slab", 0L) + stat.getOrDefault("sock", 0L));
    }
    return stat.getOrDefault("rss", 0L) + Long.parseLong(read("memory.kmem.usage_in_bytes").trim());
  }

  private java.util.Map<String, Long> stat() throws IOException {
    java.util.Map<String, Long> stat = new java.util.HashMap<>();
    for (String line : read("memory.stat").split("\n")) {
      String[] parts = line.split(" ");
      if (parts.length == 2) {
        stat.put(parts[0], Long.parseLong(parts[1]));
      }
    }
    return stat;
  }

  /** The charge split as the kernel reports it: anonymous, file pages (v1 rss/cache; v2 anon/file), in bytes. */
  public String breakdown() throws IOException {
    java.util.Map<String, Long> stat = stat();
    long anon = stat.getOrDefault(v2 ? "anon" : "rss", 0L);
    long file = stat.getOrDefault(v2 ? "file" : "cache", 0L);
    long kernel = v2 ? stat.getOrDefault("kernel", stat.getOrDefault("slab", 0L) + stat.getOrDefault("sock", 0L))
        : Long.parseLong(read("memory.kmem.usage_in_bytes").trim());
    return String.format("anon %.1f MiB, file %.1f MiB, kernel %.1f MiB", anon / 1048576.0, file / 1048576.0,
        kernel / 1048576.0);
  }

  private String read(String file) throws IOException {
    return Files.readString(dir.resolve(file));
  }

  private void write(String file, String value) throws IOException {
    Files.writeString(dir.resolve(file), value);
  }

  private void writeIfPresent(String file, String value) throws IOException {
    if (Files.exists(dir.resolve(file))) {
      write(file, value);
    }
  }

  /** Removes the cgroup; its processes must have ended. */
  @Override
  public void close() {
    dir.toFile().delete();
  }
}
