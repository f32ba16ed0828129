package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.HttpCalls;
import io.stateserver.support.SyncClient;
import io.stateserver.support.TestCluster;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client id connected to two nodes of a real cluster has one budget: together its connections
 * never get more than {@code burst + rate * elapsed + nodes * leaseMessages} messages through (the
 * bound of docs/rate-limiting.md), where two per-node budgets would let twice the burst through.
 * Its HTTP requests spend the same budget.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClusterRateLimitIT {
  private static final Logger log = LoggerFactory.getLogger(ClusterRateLimitIT.class);
  private static final int RATE = 20;
  private static final int BURST = 20;
  private static final int LEASE_MS = 100;
  private static final int LEASE_MESSAGES = 2; // RATE * LEASE_MS / 1000
  private static final int NODES = 2;

  private static Vertx vertx;
  private static TestCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    vertx = Vertx.vertx();
    cluster =
        TestCluster.start(
            vertx,
            "ratelimit-it",
            NODES,
            Map.of(
                "STATE_RATE_MESSAGES_PER_S", Integer.toString(RATE),
                "STATE_RATE_BURST", Integer.toString(BURST),
                "STATE_RATE_CLUSTER_LEASE_MS", Integer.toString(LEASE_MS),
                "STATE_RATE_CLOSE_AFTER_REJECTIONS", "100000"));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void aClientOnTwoNodesSharesOneBudgetWithinTheDocumentedBound() throws Exception {
    String token = cluster.token("cluster-rl", "admin");
    try (SyncClient a = SyncClient.connect(vertx, cluster.node(0).port(), token);
        SyncClient b = SyncClient.connect(vertx, cluster.node(1).port(), token)) {
      assertThat(a.hello().getString("node")).isNotEqualTo(b.hello().getString("node"));
      long started = System.nanoTime();
      // first the burst on one node, then the same again on the other
      long okA = okCount(pings(a, BURST));
      long okB = okCount(pings(b, BURST));
      // then both at once, three times the burst each
      CompletableFuture<Long> bothA = CompletableFuture.supplyAsync(() -> okCount(pings(a, 60)));
      CompletableFuture<Long> bothB = CompletableFuture.supplyAsync(() -> okCount(pings(b, 60)));
      long okBoth = bothA.get(60, TimeUnit.SECONDS) + bothB.get(60, TimeUnit.SECONDS);
      double elapsedS = (System.nanoTime() - started) / 1e9;

      long admitted = okA + okB + okBoth;
      long sent = 2L * BURST + 120;
      double bound = BURST + RATE * elapsedS + NODES * LEASE_MESSAGES;
      log.info(
          "cluster rate limit [sent: {}, admitted: {}, elapsed: {} s, configured: {}/s burst {},"
              + " bound: {}]",
          sent,
          admitted,
          String.format("%.2f", elapsedS),
          RATE,
          BURST,
          String.format("%.1f", bound));
      assertThat(admitted).as("admitted within %.2f s", elapsedS).isLessThanOrEqualTo((long) bound);
      // b's own connection budget is a full burst: its refusals come from the shared budget
      assertThat(okB).as("second node, after the burst was spent on the first").isLessThan(BURST);
    }
  }

  @Test
  void httpRequestsOnOneNodeSpendTheBudgetAClientSpentOverAWebSocketOnAnother() throws Exception {
    String token = cluster.token("cluster-rl-http", "admin");
    HttpCalls http = new HttpCalls(cluster.node(1).port());
    try (SyncClient a = SyncClient.connect(vertx, cluster.node(0).port(), token)) {
      long started = System.nanoTime();
      long okWebSocket = okCount(pings(a, BURST));
      long okHttp = 0;
      HttpCalls.Reply refused = null;
      // far more than the rate can refill while they are answered: one of them must be refused
      for (int i = 0; i < 10 * BURST && refused == null; i++) {
        HttpCalls.Reply r = http.get("/v1/state/cluster-rl-http/absent", token);
        if (r.status() == 429) {
          refused = r;
        } else {
          okHttp++;
        }
      }
      double elapsedS = (System.nanoTime() - started) / 1e9;
      double bound = BURST + RATE * elapsedS + NODES * LEASE_MESSAGES;
      assertThat(refused).as("an HTTP request refused on the second node").isNotNull();
      assertThat(refused.body().getJsonObject("error").getString("code")).isEqualTo("rate_limited");
      assertThat(okWebSocket + okHttp)
          .as("admitted within %.2f s", elapsedS)
          .isLessThanOrEqualTo((long) bound);
    }
  }

  private static List<JsonObject> pings(SyncClient c, int n) {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(c.send("ping"));
    }
    return ids.stream().map(c::reply).toList();
  }

  private static long okCount(List<JsonObject> replies) {
    return replies.stream().filter(r -> r.getBoolean("ok")).count();
  }
}
