package io.stateserver.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.HttpCalls;
import io.stateserver.support.SharedServer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The token endpoint's budgets per client id and per remote address. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class TokenRateLimitIT {
  @RegisterExtension
  static final SharedServer server =
      new SharedServer(
          "--limits.tokenRequests.perClientBurst=2",
          "--limits.tokenRequests.perClientPerMinute=1",
          "--limits.tokenRequests.perAddressBurst=4",
          "--limits.tokenRequests.perAddressPerMinute=1");

  private static HttpCalls http;

  @BeforeAll
  static void start() throws Exception {
    http = new HttpCalls(server.port());
  }

  @Test
  void tokenRequestsOverTheClientThenTheAddressBudgetGet429WithRetryAfter() throws Exception {
    String secret = http.register(server.adminToken(), "pi-rl", "device");
    assertThat(http.token("pi-rl", "wrong").status()).isEqualTo(401);
    assertThat(http.token("pi-rl", secret).status()).isEqualTo(200);

    // third request for one client id: over its burst of 2, even with the right secret
    HttpCalls.Reply limited = http.token("pi-rl", secret);
    assertThat(limited.status()).isEqualTo(429);
    assertThat(Long.parseLong(limited.header("Retry-After"))).isBetween(1L, 60L);
    assertThat(limited.body().getJsonObject("error").getString("code")).isEqualTo("rate_limited");

    // other ids from the same address: two more fit the address's burst of 4, then 429
    assertThat(http.token("pi-x1", "s").status()).isEqualTo(401);
    assertThat(http.token("pi-x2", "s").status()).isEqualTo(401);
    HttpCalls.Reply byAddress = http.token("pi-x3", "s");
    assertThat(byAddress.status()).isEqualTo(429);
    assertThat(byAddress.header("Retry-After")).isNotNull();
  }
}
