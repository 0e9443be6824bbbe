package app.khuphaen.sync.support;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The server as a separate process, started with the exact command line of the Dockerfile's
 * ENTRYPOINT (the launcher {@code bin/khu-phaen-sync}, from this checkout rather than {@code /app}). Its output is collected line by line so
 * tests can await a log line instead of sleeping.
 */
public final class ServerProcess implements AutoCloseable {
  /** Where the image keeps the server; a checkout holds the same layout (bin/, target/ for the jar). */
  public static final String IMAGE_HOME = "/app/";

  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> output = java.util.Collections.synchronizedList(new ArrayList<>());
  private final Thread reader;

  private ServerProcess(Process process) {
    this.process = process;
    reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          output.add(line);
          lines.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    }, "server-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** The Dockerfile's ENTRYPOINT, as a list of arguments. */
  public static List<String> dockerfileCommand() throws IOException {
    Path dockerfile = projectDir().resolve("Dockerfile");
    String entrypoint = Files.readAllLines(dockerfile).stream()
        .filter(l -> l.startsWith("ENTRYPOINT ["))
        .findFirst()
        .orElseThrow(() -> new AssertionError("Dockerfile has no exec-form ENTRYPOINT"));
    String[] args = new ObjectMapper().readValue(entrypoint.substring("ENTRYPOINT ".length()), String[].class);
    return Arrays.asList(args);
  }

  public static Path projectDir() {
    return Path.of(System.getProperty("kp.basedir", "."));
  }

  public static ServerProcess start(Path workDir, Map<String, String> env, String... extraArgs) throws IOException {
    List<String> command = new ArrayList<>();
    for (String arg : dockerfileCommand()) { // the image's entry point, from this checkout (it finds target/'s jar)
      command.add(arg.startsWith(IMAGE_HOME) ? projectDir().toAbsolutePath().resolve(arg.substring(IMAGE_HOME.length())).toString() : arg);
    }
    command.addAll(Arrays.asList(extraArgs));
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.equals("PORT") || k.equals("CONFIG_FILE") || k.equals("LOG_LEVEL") || k.equals("RUST_LOG"));
    builder.environment().putAll(env);
    return new ServerProcess(builder.start());
  }

  /** Starts exactly {@code command} in {@code workDir} (a laid-out image, say), with {@code env} added. */
  public static ServerProcess startCommand(Path workDir, Map<String, String> env, List<String> command) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.equals("PORT") || k.equals("CONFIG_FILE") || k.equals("LOG_LEVEL") || k.equals("RUST_LOG"));
    builder.environment().putAll(env);
    return new ServerProcess(builder.start());
  }

  /** Waits for an output line containing {@code text}; answers it. */
  public String awaitLine(String text, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
      if (line == null) {
        throw new AssertionError("no output line with '" + text + "' within " + seconds + " s; output:\n" + output());
      }
      if (line.contains(text)) {
        return line;
      }
    }
  }

  /**
   * Sends SIGTERM (what {@code docker stop} and systemd send). Not {@code Process.destroy()}: that
   * also closes our end of the output pipe, losing what the server logs while it stops.
   */
  public void terminate() throws IOException, InterruptedException {
    signal("TERM");
  }

  /** Sends SIGKILL: the process dies at once, as in a crash. */
  public void kill() throws IOException, InterruptedException {
    signal("KILL");
  }

  /** Sends SIGSTOP: the process stands still, as in a long pause or a network cut. */
  public void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** Sends SIGCONT: a paused process goes on. */
  public void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    int status = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
    if (status != 0) {
      throw new IOException("kill -" + name + " failed with " + status);
    }
  }

  /** Waits for the process to end and answers its exit code. */
  public int awaitExit(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("process still running after " + seconds + " s; output:\n" + output());
    }
    reader.join(TimeUnit.SECONDS.toMillis(seconds)); // the rest of its output
    return process.exitValue();
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public String output() {
    synchronized (output) {
      return String.join("\n", output);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
