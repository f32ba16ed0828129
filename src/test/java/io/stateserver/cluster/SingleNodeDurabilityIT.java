package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.config.ServerConfig;
import io.stateserver.security.TokenIssuer;
import io.stateserver.support.BlockingClient;
import io.stateserver.support.LoadWriter;
import io.stateserver.support.ServerProcess;
import io.stateserver.support.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One node on its default embedded H2 database in a separate JVM: what it acknowledged survives a
 * {@code kill -9} and a clean {@code SIGTERM}, and a restart on the same data folder serves it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SingleNodeDurabilityIT {
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  private Vertx vertx;
  private TokenIssuer issuer;
  private Path dataDir;
  private ServerProcess server;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    issuer =
        new TokenIssuer(vertx, new ServerConfig.Jwt(TestCluster.SECRET, List.of(), null, null, 30));
    dataDir =
        Files.createTempDirectory(
            Files.createDirectories(Path.of("target", "server-data")), "single-");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (server != null) {
      server.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void acknowledgedWritesSurviveKill9AndRestart() throws Exception {
    server = start("kill9");
    LoadWriter writer = new LoadWriter(vertx, "w", token("writer"), List.of(server), 50).start();
    try {
      awaitAcks(writer, 300);
      server.kill9();
      assertThat(server.waitFor(Duration.ofSeconds(10))).isNotZero();
    } finally {
      writer.stop();
    }

    server = start("kill9-restarted");
    Map<String, JsonObject> stored = read(writer.latestAcks().keySet());
    writer
        .latestAcks()
        .forEach(
            (key, ack) -> {
              JsonObject entry = stored.get(key);
              assertThat(entry.getBoolean("exists")).as("%s after restart", key).isTrue();
              assertThat(entry.getLong("version")).isGreaterThanOrEqualTo(ack.version());
              assertThat(entry.getJsonObject("value").getLong("seq"))
                  .isGreaterThanOrEqualTo(ack.seq());
            });
  }

  @Test
  void sigtermSendsGoawayClosesWith1001ExitsZeroAndKeepsWrites() throws Exception {
    server = start("sigterm");
    LoadWriter writer = new LoadWriter(vertx, "t", token("writer"), List.of(server), 50).start();
    List<BlockingClient> idle = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      idle.add(BlockingClient.connect(vertx, server.port(), token("idle-" + i)));
    }
    try {
      awaitAcks(writer, 200);
      server.terminate();

      for (BlockingClient client : idle) {
        short closeCode = client.awaitClosed();
        List<JsonObject> frames = client.frames();
        assertThat(closeCode).as("close code after %s", frames).isEqualTo((short) 1001);
        JsonObject last = frames.get(frames.size() - 1);
        assertThat(last.getString("type")).as("last frame of %s", frames).isEqualTo("goaway");
        assertThat(last.getString("reason")).isNotBlank();
        assertThat(last.getLong("reconnectMs")).isPositive();
      }
      assertThat(server.waitFor(Duration.ofSeconds(30))).as("exit code").isZero();
    } finally {
      writer.stop();
    }

    server = start("sigterm-restarted");
    Map<String, JsonObject> stored = read(writer.latestAcks().keySet());
    writer
        .latestAcks()
        .forEach(
            (key, ack) ->
                assertThat(stored.get(key).getLong("version"))
                    .as("%s after restart", key)
                    .isGreaterThanOrEqualTo(ack.version()));
  }

  @Test
  void aNodeRestartedUnderItsOwnIdEndsTheSessionsItsCrashedRunLeft() throws Exception {
    // the README's cluster example names its nodes; a supervisor restarts one under its name
    Map<String, String> env = env();
    env.put("STATE_NODE_ID", "node-1");
    env.put("STATE_SESSION_GRACE_MS", "2000");
    server = ServerProcess.start("same-id", env);
    String will = "devices/pi-crash/will";
    try (BlockingClient device = BlockingClient.connect(vertx, server.port(), token("pi-crash"))) {
      JsonObject set = device.request("set", "key", will, "value", "alive", "ephemeral", true);
      assertThat(set.getBoolean("ok")).as("%s", set).isTrue();
      server.kill9();
      assertThat(server.waitFor(Duration.ofSeconds(10))).isNotZero();
    }

    server = ServerProcess.start("same-id-restarted", env);
    try (BlockingClient watcher = BlockingClient.connect(vertx, server.port(), token("watcher"))) {
      // the device never came back: its session ends after the grace, and its will runs
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      JsonObject entry = watcher.request("get", "key", will);
      while (entry.getBoolean("exists") && System.nanoTime() < deadline) {
        Thread.sleep(200);
        entry = watcher.request("get", "key", will);
      }
      assertThat(entry.getBoolean("exists"))
          .as("the will of a session of the crashed run")
          .isFalse();
      // the session's end deletes its keys first, then refreshes the presence
      JsonObject presence = watcher.request("get", "key", "$sys/clients/pi-crash");
      while (presence.getJsonObject("value").getBoolean("online") && System.nanoTime() < deadline) {
        Thread.sleep(200);
        presence = watcher.request("get", "key", "$sys/clients/pi-crash");
      }
      assertThat(presence.getJsonObject("value").getBoolean("online")).as("%s", presence).isFalse();
    }
  }

  private ServerProcess start(String name) {
    return ServerProcess.start(name, env());
  }

  private Map<String, String> env() {
    Map<String, String> env = new HashMap<>();
    env.put("STATE_DATA_DIR", dataDir.toString());
    env.put("STATE_JWT_SECRET", TestCluster.SECRET);
    return env;
  }

  private Map<String, JsonObject> read(Iterable<String> keys) {
    BlockingClient reader = BlockingClient.connect(vertx, server.port(), token("reader"));
    try {
      Map<String, JsonObject> entries = new HashMap<>();
      for (String key : keys) {
        JsonObject reply = reader.request("get", "key", key);
        assertThat(reply.getBoolean("ok")).as("%s", reply).isTrue();
        entries.put(key, reply);
      }
      return entries;
    } finally {
      reader.close();
    }
  }

  private String token(String sub) {
    return issuer.issue(sub, List.of("admin"), 3600);
  }

  private static void awaitAcks(LoadWriter writer, int count) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (writer.acks() < count) {
      assertThat(writer.errors()).isEmpty();
      if (System.nanoTime() > deadline) {
        throw new AssertionError("fewer than " + count + " acks within " + DEADLINE);
      }
      Thread.sleep(50);
    }
  }
}
