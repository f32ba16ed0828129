package io.stateserver.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.config.ServerConfig;
import io.stateserver.security.TokenIssuer;
import io.stateserver.support.BlockingClient;
import io.stateserver.support.HttpCalls;
import io.stateserver.support.ServerProcess;
import io.stateserver.support.SharedDatabase;
import io.stateserver.support.TcpProxy;
import io.stateserver.support.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node whose database goes away while it runs (a network fault, a database failover), and comes
 * back: every connection between them runs through a TCP proxy that the test cuts. The database is
 * PostgreSQL when configured, else an H2 TCP server ({@link SharedDatabase}).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DatabaseOutageIT {
  private static final Duration DEADLINE = Duration.ofSeconds(60);
  private static final Duration NETWORK_TIMEOUT = Duration.ofSeconds(2);

  private Vertx vertx;
  private TokenIssuer issuer;
  private SharedDatabase database;
  private SharedDatabase.Proxied proxied;
  private TcpProxy proxy;
  private ServerProcess server;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    issuer =
        new TokenIssuer(vertx, new ServerConfig.Jwt(TestCluster.SECRET, List.of(), null, null, 30));
    database = SharedDatabase.create();
    proxied = database.throughProxy(vertx);
    proxy = proxied.proxy();
  }

  /**
   * A node that reaches its database through the proxy, with the default settings but {@code env}.
   */
  private void startServer(Map<String, String> env) throws Exception {
    Path dataDir =
        Files.createTempDirectory(
            Files.createDirectories(Path.of("target", "server-data")), "outage-");
    Map<String, String> all = new HashMap<>(env);
    all.put("STATE_DATA_DIR", dataDir.toString());
    all.put("STATE_JWT_SECRET", TestCluster.SECRET);
    all.put("STATE_DB_URL", proxied.jdbcUrl());
    server = ServerProcess.start("outage-" + database.kind(), all);
  }

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (database != null) {
      database.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void aNodeCutOffFromItsDatabaseRefusesWorkAsUnavailableAndServesAgainOnceItIsBack()
      throws Exception {
    startServer(Map.of());
    BlockingClient writer = BlockingClient.connect(vertx, server.port(), token("writer"));
    BlockingClient follower = BlockingClient.connect(vertx, server.port(), token("follower"));
    assertThat(follower.request("sub", "pattern", "out/#").getBoolean("ok")).isTrue();
    assertThat(writer.request("set", "key", "out/a", "value", 1).getLong("version")).isEqualTo(1);
    assertThat(follower.change("out/a", 1).getInteger("value")).isEqualTo(1);

    proxy.partition();

    // Writes and reads are refused as retryable, the connections stay open, the node is not
    // ready, and it keeps running.
    JsonObject refused = writer.request("set", "key", "out/b", "value", 2);
    assertUnavailable(refused);
    assertUnavailable(writer.request("get", "key", "out/a"));
    assertThat(until(() -> ready(), status -> status == 503)).isEqualTo(503);
    HttpCalls http = new HttpCalls(server.port());
    for (String path : List.of("/v1/state/out/a", "/v1/admin/clients")) {
      HttpCalls.Reply reply = http.get(path, token("operator"));
      assertThat(reply.status()).as("%s: %s", path, reply.body()).isEqualTo(503);
      assertThat(reply.header("Retry-After")).as(path).isNotNull();
    }
    assertThat(writer.request("ping").getBoolean("ok")).isTrue();
    assertThat(server.isAlive()).isTrue();

    proxy.heal();

    JsonObject written =
        until(() -> writer.request("set", "key", "out/c", "value", 3), r -> r.getBoolean("ok"));
    assertThat(written.getLong("version")).isEqualTo(1);
    assertThat(follower.change("out/c", 1).getInteger("value")).isEqualTo(3);
    assertThat(until(() -> ready(), status -> status == 200)).isEqualTo(200);
    // What was acknowledged is there; what was refused was not applied, not even later.
    JsonObject a = writer.request("get", "key", "out/a");
    assertThat(a.getLong("version")).isEqualTo(1);
    assertThat(a.getInteger("value")).isEqualTo(1);
    assertThat(writer.request("get", "key", "out/b").getBoolean("exists")).isFalse();
    assertThat(writer.request("set", "key", "out/a", "value", 4).getLong("version")).isEqualTo(2);
    assertThat(follower.change("out/a", 2).getInteger("value")).isEqualTo(4);
    assertThat(follower.changeVersions("out/a")).containsExactly(1L, 2L);
    assertThat(follower.changeVersions("out/b")).isEmpty();
  }

  @Test
  void aClientThatLeavesWhileTheDatabaseIsAwayHasItsSessionEndedOnceItIsBack() throws Exception {
    startServer(Map.of("STATE_SESSION_GRACE_MS", "3000"));
    BlockingClient leaver = BlockingClient.connect(vertx, server.port(), token("leaver"));
    BlockingClient watcher = BlockingClient.connect(vertx, server.port(), token("watcher"));
    JsonObject will = leaver.request("set", "key", "gone/leaver", "value", 1, "ephemeral", true);
    assertThat(will.getBoolean("ok")).as("%s", will).isTrue();

    proxy.partition();
    leaver.close();
    // its drop cannot be recorded now...
    server.awaitLogLine("session drop or presence update failed, retrying", DEADLINE);
    proxy.heal();

    // ...and is recorded once the database is back: the session ends a grace after the client
    // left, and its ephemeral key goes with it. A drop given up on would have left the session
    // connected, and the key there, for as long as the node runs.
    JsonObject gone =
        until(
            () -> watcher.request("get", "key", "gone/leaver"),
            r -> r.getBoolean("ok") && !r.getBoolean("exists"));
    assertThat(gone.getBoolean("exists")).as("%s", gone).isFalse();
  }

  @Test
  void aNodeWhoseDatabaseConnectionsGoSilentReplacesThemAfterTheNetworkTimeout() throws Exception {
    // Only PostgreSQL's driver has a network timeout; H2 over TCP (a test setup) has none.
    Assumptions.assumeTrue(database.kind().equals("postgres"), "PostgreSQL only");
    startServer(Map.of("STATE_DB_NETWORK_TIMEOUT_MS", Long.toString(NETWORK_TIMEOUT.toMillis())));
    BlockingClient writer = BlockingClient.connect(vertx, server.port(), token("writer"));
    BlockingClient follower = BlockingClient.connect(vertx, server.port(), token("follower"));
    assertThat(follower.request("sub", "pattern", "quiet/#").getBoolean("ok")).isTrue();
    assertThat(writer.request("set", "key", "quiet/a", "value", 1).getLong("version")).isEqualTo(1);

    // A failover: the old path drops everything without a reset; new connections get through.
    // The writer connection was used a moment ago, so its next statement goes out unchecked and
    // gets no answer.
    proxy.silenceAndForwardNew();
    long sentAt = System.nanoTime();
    JsonObject unanswered = writer.request("set", "key", "quiet/b", "value", 2);
    // Had the test paused for a second before it, the idle check would have found the connection
    // dead first: then this test proves nothing about the timeout.
    Assumptions.assumeFalse(
        unanswered.getBoolean("ok"), "the idle check replaced the silent connection first");
    assertUnavailable(unanswered);
    assertThat(Duration.ofNanos(System.nanoTime() - sentAt))
        .as("refused by the network timeout, not by something sooner")
        .isGreaterThanOrEqualTo(NETWORK_TIMEOUT);

    // Without the timeout the writer connection would wait for the kernel's TCP retries
    // (minutes), and every write with it.
    JsonObject written =
        until(() -> writer.request("set", "key", "quiet/c", "value", 3), r -> r.getBoolean("ok"));
    assertThat(written.getBoolean("ok")).as("%s", written).isTrue();
    assertThat(written.getLong("version")).isEqualTo(1);
    assertThat(follower.change("quiet/c", 1).getInteger("value")).isEqualTo(3);
    // The unanswered write never reached the database: refused, and not applied later.
    assertThat(writer.request("get", "key", "quiet/b").getBoolean("exists")).isFalse();
    assertThat(writer.request("get", "key", "quiet/a").getInteger("value")).isEqualTo(1);
    assertThat(until(() -> ready(), status -> status == 200)).isEqualTo(200);
  }

  private static void assertUnavailable(JsonObject reply) {
    assertThat(reply.getBoolean("ok")).as("%s", reply).isFalse();
    JsonObject error = reply.getJsonObject("error");
    assertThat(error.getString("code")).as("%s", reply).isEqualTo("unavailable");
    assertThat(error.getLong("retryAfterMs")).as("%s", reply).isPositive();
  }

  private int ready() throws Exception {
    return new HttpCalls(server.port()).get("/health/ready", null).status();
  }

  /** Calls {@code call} until its result passes {@code done}, for at most {@link #DEADLINE}. */
  private static <T> T until(Callable<T> call, Predicate<T> done) throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      T result = call.call();
      if (done.test(result) || System.nanoTime() > deadline) {
        return result;
      }
      Thread.sleep(250);
    }
  }

  private String token(String sub) {
    return issuer.issue(sub, List.of("admin"), 3600);
  }
}
