package app.khuphaen.sync.support;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Separate server processes (the Dockerfile's command line) forming one cluster on 127.0.0.1, sharing
 * a PostgreSQL database of their own. Only these processes are ever signalled.
 */
public final class ProcessCluster implements AutoCloseable {
  private final Path workDir;
  private final Postgres postgres;
  private final int[] httpPorts;
  private final int[] clusterPorts;
  private final String members;
  private final List<ServerProcess> processes = new ArrayList<>();
  private final Http[] http;

  private ProcessCluster(Vertx vertx, Path workDir, Postgres postgres, int size) {
    this.workDir = workDir;
    this.postgres = postgres;
    this.httpPorts = new int[size];
    this.clusterPorts = new int[size];
    this.http = new Http[size];
    for (int i = 0; i < size; i++) {
      httpPorts[i] = TestServer.freePort();
      clusterPorts[i] = TestServer.freePort();
      http[i] = new Http(vertx, httpPorts[i], "127.0.0.1");
    }
    this.members = Arrays.stream(clusterPorts).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
  }

  /** Starts {@code size} nodes and waits until each listens. */
  public static ProcessCluster start(Vertx vertx, Path workDir, Postgres postgres, int size) throws InterruptedException {
    ProcessCluster cluster = new ProcessCluster(vertx, workDir, postgres, size);
    try {
      for (int i = 0; i < size; i++) {
        cluster.processes.add(cluster.launch(i));
      }
      for (ServerProcess process : cluster.processes) {
        process.awaitLine("listening on", 60);
      }
    } catch (RuntimeException | AssertionError | InterruptedException e) {
      cluster.close();
      throw e;
    }
    return cluster;
  }

  private ServerProcess launch(int i) {
    try {
      return ServerProcess.start(workDir, Map.of(
          "PORT", Integer.toString(httpPorts[i]),
          "CLUSTER", "true",
          "CLUSTER_HOST", "127.0.0.1",
          "CLUSTER_PORT", Integer.toString(clusterPorts[i]),
          "CLUSTER_MEMBERS", members,
          "DATABASE_URL", postgres.url(Postgres.PORT)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts node {@code i} again (after it was killed or stopped) and waits until it listens. */
  public ServerProcess restart(int i) throws InterruptedException {
    ServerProcess process = launch(i);
    processes.set(i, process);
    process.awaitLine("listening on", 60);
    return process;
  }

  public ServerProcess process(int i) {
    return processes.get(i);
  }

  public int port(int i) {
    return httpPorts[i];
  }

  public Http http(int i) {
    return http[i];
  }

  public void createRoom(int node, String code) {
    Http.Response response = http[node].post("/api/rooms", new JsonObject().put("desired_room_code", code).encode());
    if (response.status() != 200) {
      throw new AssertionError("room creation failed: " + response);
    }
  }

  /** The peer ids that node {@code i} lists for the room. */
  public List<String> peers(int node, String code) {
    return http[node].get("/api/rooms/" + code).json().getJsonArray("peers").stream()
        .map(p -> ((JsonObject) p).getString("id")).sorted().toList();
  }

  @Override
  public void close() {
    processes.forEach(ServerProcess::close);
  }
}
