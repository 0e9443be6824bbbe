package app.khuphaen.sync.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Where the limit is found, and how it is shared out. */
class MemoryPlanTest {
  private static final long MIB = 1024 * 1024;

  @TempDir
  Path root;

  private Path file(String path, String content) throws IOException {
    Path file = root.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
    return file;
  }

  @Test
  void cgroupV1TakesTheSmallestLimitAlongTheProcesssPath() throws IOException {
    Path self = file("proc/self/cgroup", "5:cpu:/\n4:memory:/outer/inner\n0::/\n");
    file("sys/memory/memory.limit_in_bytes", "9223372036854771712\n"); // none
    file("sys/memory/outer/memory.limit_in_bytes", Long.toString(512 * MIB));
    file("sys/memory/outer/inner/memory.limit_in_bytes", Long.toString(100 * MIB));
    MemoryLimit limit = MemoryLimit.detect(null, self, root.resolve("sys"));
    assertThat(limit.bytes()).isEqualTo(100 * MIB);
    assertThat(limit.source()).startsWith("cgroup v1 ").endsWith("outer/inner/memory.limit_in_bytes");
  }

  @Test
  void cgroupV2InAContainerReadsItsOwnRootWhenTheHostPathIsNotThere() throws IOException {
    Path self = file("proc/self/cgroup", "0::/system.slice/docker-abc.scope\n");
    file("sys/cgroup.controllers", "cpu memory\n");
    file("sys/memory.max", Long.toString(256 * MIB) + "\n");
    assertThat(MemoryLimit.detect(null, self, root.resolve("sys")).bytes()).isEqualTo(256 * MIB);
  }

  @Test
  void noLimitAnywhereSizesFor100MiBAndAGivenLimitWins() throws IOException {
    Path self = file("proc/self/cgroup", "0::/\n");
    file("sys/cgroup.controllers", "cpu memory\n");
    file("sys/memory.max", "max\n");
    MemoryLimit none = MemoryLimit.detect(null, self, root.resolve("sys"));
    assertThat(none.bytes()).isEqualTo(100 * MIB);
    assertThat(none.source()).contains("no memory limit found");
    assertThat(MemoryLimit.detect("1g", self, root.resolve("sys")))
        .isEqualTo(new MemoryLimit(1024 * MIB, "MEMORY_LIMIT_BYTES"));
  }

  @Test
  void everyShareAddsUpToTheLimitAndTheBudgetsFitTheJvmsMemory() {
    for (long mib : new long[] {80, 100, 256, 512, 2048}) {
      MemoryPlan plan = MemoryPlan.of(new MemoryLimit(mib * MIB, "test"));
      long shares = plan.headroom() + plan.jvmNonHeap() + plan.kernel() + plan.heap() + plan.direct();
      assertThat(shares).as("%d MiB", mib).isLessThanOrEqualTo(mib * MIB).isGreaterThan(mib * MIB - 2 * MIB);
      assertThat(plan.incoming() + plan.outgoing()).isLessThan(plan.direct());
      assertThat(plan.documents()).isLessThan(plan.heap());
      assertThat(plan.jvmOptions()).contains("-Xmx" + plan.heap() / MIB + "m",
          "-XX:MaxDirectMemorySize=" + plan.direct() / MIB + "m");
      assertThat(plan.jvmOptions().contains("-XX:TieredStopAtLevel=1")).isEqualTo(mib < 256);
    }
    MemoryPlan hundred = MemoryPlan.of(MemoryLimit.defaults());
    assertThat(hundred.heap()).isEqualTo(28 * MIB);
    assertThat(hundred.direct()).isEqualTo(20 * MIB);
    assertThat(hundred.rows()).containsEntry("memory limit", "100 MiB (no memory limit found: sized for 100 MiB)");
  }
}
