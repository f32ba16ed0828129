package io.stateserver.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.HttpCalls;
import io.stateserver.support.SharedServer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A burst of token requests past the node's bound on secret checks: the checks past it are refused
 * at once, {@code 503 unavailable} with {@code Retry-After}, instead of queueing (SecretHashing).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class SecretHashingBoundIT {
  // the address budget out of the way: every request here comes from 127.0.0.1
  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--limits.tokenRequests.perAddressBurst=10000",
          "--limits.tokenRequests.perAddressPerMinute=60000");

  @Test
  void tokenRequestsPastTheBoundAreRefused503UnavailableWithRetryAfterAndTheOthersChecked()
      throws Exception {
    HttpCalls http = new HttpCalls(server.port());
    // twice the bound, sent together: each check takes far longer than they take to arrive
    int requests = 2 * SecretHashing.maxPendingForThisMachine() + 8;
    ExecutorService senders = Executors.newFixedThreadPool(requests);
    List<HttpCalls.Reply> replies = new ArrayList<>();
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<HttpCalls.Reply>> sent = new ArrayList<>();
      for (int i = 0; i < requests; i++) {
        String id = "pi-burst-" + i;
        sent.add(
            senders.submit(
                () -> {
                  go.await();
                  return http.token(id, "wrong-secret");
                }));
      }
      go.countDown();
      for (Future<HttpCalls.Reply> reply : sent) {
        replies.add(reply.get(100, TimeUnit.SECONDS));
      }
    } finally {
      senders.shutdownNow();
    }

    List<HttpCalls.Reply> refused = replies.stream().filter(r -> r.status() == 503).toList();
    assertThat(replies)
        .extracting(HttpCalls.Reply::status)
        .as("each request is checked (401 for these unknown ids) or refused")
        .containsOnly(401, 503)
        .contains(401);
    assertThat(refused).as("requests past the bound").isNotEmpty();
    for (HttpCalls.Reply r : refused) {
      assertThat(r.body().getJsonObject("error").getString("code")).isEqualTo("unavailable");
      assertThat(Long.parseLong(r.header("Retry-After"))).isPositive();
    }
    String metrics = http.get("/metrics", null).raw().body();
    assertThat(metrics)
        .as("each refusal counted")
        .contains("state_rate_limited_total{kind=\"secret_checks\"} " + refused.size() + ".0");
  }
}
