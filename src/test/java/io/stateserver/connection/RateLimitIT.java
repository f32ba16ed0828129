package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.SharedServer;
import io.stateserver.support.SyncClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code rate_limited} with {@code retryAfterMs} (PROTOCOL.md section 5), with tiny limits. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class RateLimitIT {
  private static final int BURST = 5;
  private static final int BYTES_PER_SECOND = 2000;

  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--limits.rate.messagesPerSecond=5",
          "--limits.rate.burst=" + BURST,
          "--limits.rate.bytesPerSecond=" + BYTES_PER_SECOND);

  @Test
  void requestsBeyondTheBurstAreRateLimitedWithRetryAfterAndChangeNothing(Vertx vertx)
      throws Exception {
    try (SyncClient c = SyncClient.connect(vertx, server.port(), server.token("rl-1", "admin"))) {
      JsonObject rate = c.hello().getJsonObject("limits").getJsonObject("rate");
      assertThat(rate.getInteger("messagesPerSecond")).isEqualTo(5);
      assertThat(rate.getInteger("burst")).isEqualTo(BURST);

      List<Long> ids = new ArrayList<>();
      for (int i = 1; i <= 3 * BURST; i++) {
        ids.add(c.send("set", "key", "rl/k", "value", i));
      }
      List<JsonObject> replies = ids.stream().map(c::reply).toList();
      List<JsonObject> limited = replies.stream().filter(r -> !r.getBoolean("ok")).toList();
      assertThat(replies.subList(0, BURST)).allMatch(r -> r.getBoolean("ok"));
      assertThat(limited).isNotEmpty();
      for (JsonObject r : limited) {
        JsonObject error = r.getJsonObject("error");
        assertThat(error.getString("code")).isEqualTo("rate_limited");
        assertThat(error.getLong("retryAfterMs")).isPositive();
      }
      long accepted = replies.stream().filter(r -> r.getBoolean("ok")).count();
      long lastOkVersion =
          replies.stream()
              .filter(r -> r.getBoolean("ok"))
              .mapToLong(r -> r.getLong("version"))
              .max()
              .orElseThrow();
      assertThat(lastOkVersion).as("only accepted writes made versions").isEqualTo(accepted);

      // after the advised wait the client may go on, on the same connection
      long wait = limited.get(limited.size() - 1).getJsonObject("error").getLong("retryAfterMs");
      Thread.sleep(wait + 50);
      assertThat(c.isClosed()).isFalse();
      JsonObject get = c.call("get", "key", "rl/k");
      assertThat(get.getBoolean("ok")).isTrue();
      assertThat(get.getLong("version")).isEqualTo(accepted);
    }
  }

  @Test
  void requestWithoutIdThatIsRateLimitedIsReportedWithNullId(Vertx vertx) {
    try (SyncClient c = SyncClient.connect(vertx, server.port(), server.token("rl-2", "admin"))) {
      for (int i = 0; i < 3 * BURST; i++) {
        c.sendWithoutId("ping");
      }
      JsonObject first = c.nullIdReplies(1).get(0);
      assertThat(first.getJsonObject("error").getString("code")).isEqualTo("rate_limited");
      assertThat(first.getJsonObject("error").getLong("retryAfterMs")).isPositive();
    }
  }

  @Test
  void messageLargerThanTheByteBudgetPassesWhenTheBudgetIsFullThenWaits(Vertx vertx)
      throws Exception {
    try (SyncClient c = SyncClient.connect(vertx, server.port(), server.token("rl-3", "admin"))) {
      String big = "b".repeat(BYTES_PER_SECOND + 1000);
      JsonObject first = c.call("set", "key", "rl/big", "value", big);
      assertThat(first.getBoolean("ok")).as("reply %s", first).isTrue();
      JsonObject second = c.call("set", "key", "rl/big", "value", big);
      assertThat(second.getJsonObject("error").getString("code")).isEqualTo("rate_limited");
      long wait = second.getJsonObject("error").getLong("retryAfterMs");
      assertThat(wait).isPositive();
      Thread.sleep(wait + 50);
      JsonObject third = c.call("set", "key", "rl/big", "value", big);
      assertThat(third.getBoolean("ok")).as("reply %s", third).isTrue();
      assertThat(third.getLong("version")).isEqualTo(2);
    }
  }
}
