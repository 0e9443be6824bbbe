package app.khuphaen.sync.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole process's memory, shared out from one limit ({@link MemoryLimit}): what the JVM is given
 * (heap, direct buffers, code cache, compiler) and, from those, the server's budgets. This is the one
 * place the arithmetic lives: the image's launcher ({@code bin/khu-phaen-sync}) asks {@link #main}
 * for the JVM's options, the server takes its budgets' defaults from {@link #of}, and
 * {@code --check-config} prints {@link #rows}. docs/memory.md explains each share and what it was
 * measured at.
 *
 * <p>The shares: 10 % of the limit is left free (the kernel kills at the limit, and a cgroup's file
 * pages are only reclaimed near it); the JVM's own memory outside the heap and direct buffers (class
 * data, metaspace, code, threads, the collector, malloc) is a fixed amount for its compiler; the
 * kernel's own (socket buffers and structures, the store's dirty pages) another; what is left goes
 * 60 % to the heap and 40 % to direct buffers. Of direct memory a third is for messages still
 * arriving (INCOMING_BUFFER_BYTES), a half for the frames being sent, each counted once
 * (BUFFER_BUDGET_BYTES; one slow receiver may hold all of it, OUTBOUND_QUEUE_BYTES, up to 16 MiB),
 * the rest for Netty's read buffers and pools; an eighth of the heap keeps documents for late
 * joiners (DOCUMENT_MEMORY_BYTES). From 256 MiB the full JIT is on (C2: more code and compiler memory).
 */
public record MemoryPlan(MemoryLimit limit, boolean fullJit, long headroom, long jvmNonHeap, long kernel,
                         long heap, long direct, long incoming, long outgoing, long documents, long outboundQueue) {
  private static final long MIB = 1024 * 1024;
  /**
   * Class data, metaspace, code (C1), threads, the collector, malloc: what the JVM holds beside the
   * heap and direct buffers, measured under load (docs/memory.md)...
   */
  private static final long NON_HEAP_C1 = 24 * MIB;
  /** ...the same with C2: a larger code cache and the compiler's working memory... */
  private static final long NON_HEAP_FULL_JIT = 48 * MIB;
  /**
   * ...plus what SQLite's driver holds outside the JVM while it writes a document: its copy of the
   * bound value and the record built from it, twice the default MAX_MESSAGE_BYTES.
   */
  private static final long STORE_NATIVE = 8 * MIB;
  /** Socket structures and buffers of 5,000 connections (8.3 MiB measured) and SQLite's dirty pages. */
  private static final long KERNEL = 10 * MIB;
  private static final long FULL_JIT_FROM = 256 * MIB;
  private static final long MAX_OUTBOUND_QUEUE = 16 * MIB;

  public static MemoryPlan of(MemoryLimit limit) {
    long bytes = limit.bytes();
    boolean fullJit = bytes >= FULL_JIT_FROM;
    long headroom = bytes / 10;
    long nonHeap = (fullJit ? NON_HEAP_FULL_JIT : NON_HEAP_C1) + STORE_NATIVE;
    long rest = bytes - headroom - nonHeap - KERNEL;
    long heap = mib(rest * 6 / 10);
    long direct = mib(rest - heap);
    long incoming = mib(direct / 3);
    long outgoing = mib(direct / 2);
    return new MemoryPlan(limit, fullJit, headroom, nonHeap, KERNEL, heap, direct, incoming, outgoing, mib(heap / 8),
        Math.min(MAX_OUTBOUND_QUEUE, outgoing));
  }

  private static long mib(long bytes) {
    return bytes / MIB * MIB;
  }

  /** The JVM's options for this plan (the image adds its class-data archive and native library). */
  public List<String> jvmOptions() {
    List<String> options = new ArrayList<>(List.of("-XX:+UseSerialGC"));
    if (!fullJit) {
      options.add("-XX:TieredStopAtLevel=1"); // C1 only: C2's code and working memory do not fit
    }
    options.addAll(List.of(
        "-Xss256k",
        "-Xms16m",
        "-Xmx" + heap / MIB + "m",
        // multi-MB documents go straight to the old generation, kept roomy (40-70 % free) so that each
        // does not force a full collection: the plan counts the whole -Xmx, so this costs no budget
        // (20/40 and a 5 MiB young generation made W4 1.2x slower: docs/performance.md)
        "-XX:MaxNewSize=" + Math.max(6, heap / MIB / 6) + "m",
        "-XX:MinHeapFreeRatio=40",
        "-XX:MaxHeapFreeRatio=70",
        "-XX:MaxMetaspaceSize=64m",
        "-XX:ReservedCodeCacheSize=" + (fullJit ? 64 : 24) + "m",
        "-XX:MaxDirectMemorySize=" + direct / MIB + "m",
        "-XX:TrimNativeHeapInterval=1000")); // what the JIT and malloc freed goes back within a second
    return options;
  }

  /** The plan as --check-config shows it: each share and its size. */
  public Map<String, String> rows() {
    Map<String, String> rows = new LinkedHashMap<>();
    rows.put("memory limit", show(limit.bytes()) + " (" + limit.source() + ")");
    rows.put("left free", show(headroom) + " (10 %)");
    rows.put("JVM outside heap and direct", show(jvmNonHeap) + (fullJit ? " (full JIT" : " (C1 only")
        + ", SQLite's copies of a document being written)");
    rows.put("kernel (sockets, dirty pages)", show(kernel));
    rows.put("heap (-Xmx)", show(heap) + ", of it documents for late joiners " + show(documents));
    rows.put("direct buffers (-XX:MaxDirectMemorySize)", show(direct) + ": incoming " + show(incoming)
        + ", outgoing " + show(outgoing) + ", read buffers and pools " + show(direct - incoming - outgoing));
    return rows;
  }

  private static String show(long bytes) {
    return bytes % MIB == 0 ? bytes / MIB + " MiB" : String.format("%.1f MiB", bytes / (double) MIB);
  }

  /**
   * The launcher's question: prints the JVM options for this process's limit on one line. Reads
   * MEMORY_LIMIT_BYTES as the server does (environment, else the config file: {@code --config FILE},
   * CONFIG_FILE or conf/config.json), with Jackson alone, so that it starts in a few tens of
   * milliseconds.
   */
  public static void main(String[] args) throws IOException {
    String explicit = System.getenv(Setting.MEMORY_LIMIT_BYTES.name());
    if (explicit == null) {
      explicit = fromConfigFile(args);
    }
    MemoryLimit limit;
    try {
      limit = MemoryLimit.detect(explicit);
    } catch (ConfigException e) {
      limit = MemoryLimit.defaults(); // the server itself stops on it, with the error
    }
    PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8); // the launcher reads it
    out.println(String.join(" ", of(limit).jvmOptions()));
  }

  private static String fromConfigFile(String[] args) {
    String file = System.getenv(SettingsLoader.CONFIG_FILE_ENV);
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--config")) {
        file = args[i + 1];
      }
    }
    Path path = Path.of(file != null ? file : SettingsLoader.DEFAULT_CONFIG_FILE);
    try {
      JsonNode value = new ObjectMapper().readTree(Files.readString(path)).get(Setting.MEMORY_LIMIT_BYTES.name());
      return value == null || value.isNull() ? null : value.asText();
    } catch (IOException | RuntimeException e) {
      return null; // absent or unreadable: the server reports it
    }
  }
}
