package app.khuphaen.sync.cluster;

import app.khuphaen.sync.support.Await;
import app.khuphaen.sync.support.Messages;
import app.khuphaen.sync.support.Postgres;
import app.khuphaen.sync.support.ServerProcess;
import app.khuphaen.sync.support.TestServer;
import app.khuphaen.sync.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Three server processes (the container's command line) as one cluster; one is killed with kill -9. */
class ClusterProcessIT {
  private static final Logger log = LoggerFactory.getLogger(ClusterProcessIT.class);

  @TempDir
  Path workDir;
  private Vertx vertx;
  private Postgres postgres;
  private final List<ServerProcess> processes = new ArrayList<>();

  @BeforeEach
  void setUp() {
    postgres = Postgres.createDatabase();
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    processes.forEach(ServerProcess::close);
    Await.result(vertx.close());
    postgres.close();
  }

  @Test
  void theSurvivorsDropAKilledNodesPeersAndKeepRelaying() throws Exception {
    int[] httpPorts = new int[3];
    int[] clusterPorts = new int[3];
    for (int i = 0; i < 3; i++) {
      httpPorts[i] = TestServer.freePort();
      clusterPorts[i] = TestServer.freePort();
    }
    String members = java.util.Arrays.stream(clusterPorts).mapToObj(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    for (int i = 0; i < 3; i++) {
      processes.add(startNode(i, httpPorts, clusterPorts, members));
    }
    for (ServerProcess process : processes) {
      process.awaitLine("listening on", 60);
    }
    HttpClient http = vertx.createHttpClient();
    Await.result(http.request(HttpMethod.POST, httpPorts[0], "127.0.0.1", "/api/rooms")
        .compose(req -> req.send("{\"desired_room_code\":\"KILL01\"}").compose(resp -> resp.body())));

    try (WsClient a = WsClient.connect(vertx, httpPorts[0]);
         WsClient b = WsClient.connect(vertx, httpPorts[1]);
         WsClient c = WsClient.connect(vertx, httpPorts[2])) {
      a.join("KILL01", "a", true);
      b.join("KILL01", "b", false);
      c.join("KILL01", "c", false);
      a.next("peer_joined");
      a.next("peer_joined");
      b.next("peer_joined");
      c.send(Messages.broadcast("from the doomed node"));
      assertThat(a.next("data").getString("data")).isEqualTo("from the doomed node");
      assertThat(b.next("data").getString("data")).isEqualTo("from the doomed node");

      long killedAt = System.nanoTime();
      processes.get(2).kill();
      assertThat(a.next("peer_left").getString("peer_id")).isEqualTo("c");
      double seconds = (System.nanoTime() - killedAt) / 1e9;
      assertThat(b.next("peer_left").getString("peer_id")).isEqualTo("c");
      log.info("peers of the killed node left presence {} s after kill -9", String.format("%.1f", seconds));
      assertThat(seconds).isLessThan(15.0);

      a.send(Messages.broadcast("after the crash"));
      assertThat(b.next("data").getString("data")).isEqualTo("after the crash");
      b.send(Messages.syncDocument("survivors' document"));
      assertThat(a.next("document_sync").getString("document")).isEqualTo("survivors' document");
      JsonObject room = new JsonObject(Await.result(http.request(HttpMethod.GET, httpPorts[1], "127.0.0.1", "/api/rooms/KILL01")
          .compose(req -> req.send().compose(resp -> resp.body()))).toString());
      assertThat(room.getInteger("peer_count")).isEqualTo(2);

      // the node comes back and serves the room again, document included
      processes.set(2, startNode(2, httpPorts, clusterPorts, members));
      processes.get(2).awaitLine("listening on", 60);
      try (WsClient back = WsClient.connect(vertx, httpPorts[2])) {
        back.send(Messages.join("KILL01", "back", false));
        assertThat(back.next("room_info").getJsonArray("peers")).hasSize(3);
        back.next("connected");
        assertThat(back.next("document_sync").getString("document")).isEqualTo("survivors' document");
        assertThat(a.next("peer_joined").getJsonObject("peer").getString("id")).isEqualTo("back");
      }
    }
  }

  private ServerProcess startNode(int i, int[] httpPorts, int[] clusterPorts, String members) throws java.io.IOException {
    return ServerProcess.start(workDir, Map.of(
        "PORT", Integer.toString(httpPorts[i]),
        "CLUSTER", "true",
        "CLUSTER_HOST", "127.0.0.1",
        "CLUSTER_PORT", Integer.toString(clusterPorts[i]),
        "CLUSTER_MEMBERS", members,
        "DATABASE_URL", postgres.url(Postgres.PORT)));
  }
}
