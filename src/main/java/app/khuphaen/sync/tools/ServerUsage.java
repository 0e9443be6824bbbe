package app.khuphaen.sync.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server's CPU time so far (Linux's /proc/PID/stat) and the bytes its open TCP connections on its
 * port have sent (the kernel's tcp_info, read with iproute2's {@code ss}): the load test's view of a
 * server on the same machine. Connections must stay open between two readings.
 */
record ServerUsage(long cpuMillis, long bytesSent) {
  /** Clock ticks per second of /proc/PID/stat on Linux (USER_HZ). */
  private static final int TICKS_PER_SECOND = 100;
  private static final Pattern BYTES_SENT = Pattern.compile("bytes_sent:(\\d+)");

  /** Null without a pid (0) or without /proc. */
  static ServerUsage of(int pid, int port) throws IOException, InterruptedException {
    if (pid <= 0 || !Files.exists(Path.of("/proc", String.valueOf(pid)))) {
      return null;
    }
    String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
    Process ss = new ProcessBuilder("ss", "-tinH", "state", "established", "( sport = :" + port + " )")
        .redirectErrorStream(true).start();
    String sockets = new String(ss.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    ss.waitFor();
    long sent = 0;
    Matcher matcher = BYTES_SENT.matcher(sockets);
    while (matcher.find()) {
      sent += Long.parseLong(matcher.group(1));
    }
    return new ServerUsage(ticks * 1000 / TICKS_PER_SECOND, sent);
  }

  ServerUsage minus(ServerUsage earlier) {
    return new ServerUsage(cpuMillis - earlier.cpuMillis, bytesSent - earlier.bytesSent);
  }
}
