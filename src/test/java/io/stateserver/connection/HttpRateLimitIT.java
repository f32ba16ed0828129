package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.HttpCalls;
import io.stateserver.support.SharedServer;
import io.stateserver.support.SyncClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The HTTP state API spends the client id's rate budget, the one its WebSocket connections spend
 * (docs/rate-limiting.md): a request beyond it is {@code 429} with {@code rate_limited}, {@code
 * retryAfterMs} and {@code Retry-After}, and is not applied. The admin API is not charged. Tiny
 * limits; a refused request is looked for among many, so that refills while the test runs only make
 * the search longer.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class HttpRateLimitIT {
  private static final int BURST = 5;
  private static final int BYTES_PER_SECOND = 2000;

  /** At 5 a second, far more requests than can be answered before enough tokens come back. */
  private static final int MAX_TRIES = 200;

  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--limits.rate.messagesPerSecond=5",
          "--limits.rate.burst=" + BURST,
          "--limits.rate.bytesPerSecond=" + BYTES_PER_SECOND);

  private static HttpCalls http;

  @BeforeAll
  static void client() {
    http = new HttpCalls(server.port());
  }

  @Test
  void getsBeyondTheBurstAreRefusedWith429RateLimitedAndRetryAfter() throws Exception {
    String token = server.token("hrl-1", "admin");
    double before = rejections();
    List<HttpCalls.Reply> replies = untilRefused(() -> http.get("/v1/state/hrl/absent", token));
    assertThat(replies.subList(0, BURST)).allMatch(r -> r.status() == 404);
    HttpCalls.Reply refused = replies.get(replies.size() - 1);
    assertThat(refused.status()).as("refused within %d requests", MAX_TRIES).isEqualTo(429);
    JsonObject error = refused.body().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("rate_limited");
    long wait = error.getLong("retryAfterMs");
    assertThat(wait).isPositive();
    assertThat(Long.parseLong(refused.header("Retry-After"))).isEqualTo((wait + 999) / 1000);
    assertThat(refused.header("Content-Type")).startsWith("application/json");
    assertThat(rejections() - before).as("counted as the client budget's").isEqualTo(1);

    Thread.sleep(wait + 50);
    assertThat(http.get("/v1/state/hrl/absent", token).status())
        .as("admitted again after the advised wait")
        .isEqualTo(404);
  }

  @Test
  void putsBeyondTheBurstAreRefusedAndChangeNothing() throws Exception {
    String token = server.token("hrl-2", "admin");
    int[] value = {0};
    List<HttpCalls.Reply> replies =
        untilRefused(() -> http.put("/v1/state/hrl/k", token, Integer.toString(++value[0])));
    HttpCalls.Reply refused = replies.get(replies.size() - 1);
    assertThat(refused.status()).as("refused within %d requests", MAX_TRIES).isEqualTo(429);
    long accepted = replies.size() - 1;
    assertThat(accepted).isGreaterThanOrEqualTo(BURST);
    assertThat(replies.subList(0, replies.size() - 1)).allMatch(r -> r.status() == 200);

    Thread.sleep(refused.body().getJsonObject("error").getLong("retryAfterMs") + 50);
    HttpCalls.Reply get = http.get("/v1/state/hrl/k", token);
    assertThat(get.status()).isEqualTo(200);
    assertThat(get.header("ETag"))
        .as("only accepted writes made versions")
        .isEqualTo("\"" + accepted + "\"");
    assertThat(get.raw().body()).isEqualTo(Long.toString(accepted));
  }

  @Test
  void httpAndWebSocketSpendOneClientBudget(Vertx vertx) throws Exception {
    String token = server.token("hrl-3", "admin");
    try (SyncClient ws = SyncClient.connect(vertx, server.port(), token)) {
      List<Long> ids = new ArrayList<>();
      for (int i = 0; i < BURST; i++) {
        ids.add(ws.send("ping"));
      }
      assertThat(ids.stream().map(ws::reply)).allMatch(r -> r.getBoolean("ok"));
      List<HttpCalls.Reply> replies = untilRefused(() -> http.get("/v1/state/hrl/absent", token));
      assertThat(replies.get(replies.size() - 1).status()).isEqualTo(429);
      assertThat(replies.size() - 1)
          .as("HTTP requests admitted after the burst went over the WebSocket")
          .isLessThan(BURST);
    }
  }

  @Test
  void aBodyLargerThanTheByteBudgetPassesWhenTheBudgetIsFullThenWaits() throws Exception {
    String token = server.token("hrl-4", "admin");
    String big = "\"" + "b".repeat(BYTES_PER_SECOND + 1000) + "\"";
    HttpCalls.Reply first = http.put("/v1/state/hrl/big", token, big);
    assertThat(first.status()).as("reply %s", first.raw().body()).isEqualTo(200);
    HttpCalls.Reply second = http.put("/v1/state/hrl/big", token, big);
    assertThat(second.status()).as("the body's bytes are charged").isEqualTo(429);
    long wait = second.body().getJsonObject("error").getLong("retryAfterMs");
    assertThat(wait).isPositive();
    Thread.sleep(wait + 50);
    HttpCalls.Reply third = http.put("/v1/state/hrl/big", token, big);
    assertThat(third.status()).as("reply %s", third.raw().body()).isEqualTo(200);
    assertThat(third.header("ETag")).isEqualTo("\"2\"");
  }

  @Test
  void theAdminApiIsNotCharged() throws Exception {
    String token = server.token("hrl-5", "admin");
    List<HttpCalls.Reply> replies = untilRefused(() -> http.get("/v1/state/hrl/absent", token));
    assertThat(replies.get(replies.size() - 1).status()).isEqualTo(429);
    for (int i = 0; i < 3 * BURST; i++) {
      assertThat(http.get("/v1/admin/clients", token).status())
          .as("admin request %d with the client budget spent", i)
          .isEqualTo(200);
    }
  }

  private interface Call {
    HttpCalls.Reply send() throws Exception;
  }

  /** Sends until a request is refused with 429 (the last reply), at most {@link #MAX_TRIES}. */
  private static List<HttpCalls.Reply> untilRefused(Call call) throws Exception {
    List<HttpCalls.Reply> replies = new ArrayList<>();
    for (int i = 0; i < MAX_TRIES; i++) {
      HttpCalls.Reply r = call.send();
      replies.add(r);
      if (r.status() == 429) {
        break;
      }
    }
    return replies;
  }

  private static double rejections() throws Exception {
    return RateLimitsITSupport.rejections(server.port(), "client");
  }
}
