package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.persistence.ReadQuery;
import io.stateserver.support.SharedServer;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code /health/ready} when the database hangs instead of refusing. The only way to tell a hang
 * from a slow answer is time, so the class timeout is what fails this test without the ping's own
 * timeout: well above that timeout (2 s), well below the event bus's default (30 s) that readiness
 * waited before.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 15, timeUnit = TimeUnit.SECONDS)
class ReadinessIT {
  // a server of its own: its database stops answering for a while
  @RegisterExtension static final SharedServer server = new SharedServer();

  private record Reply(int status, JsonObject body) {}

  @Test
  void aDatabaseThatDoesNotAnswerMakesTheNodeNotReadyAndOneThatAnswersAgainReadyAgain(
      Vertx vertx, VertxTestContext ctx) {
    EventBus bus = server.server().vertx().eventBus();
    // the pings of readiness reach no database: nothing answers them, nothing refuses them
    Handler<DeliveryContext<Object>> swallowPings =
        dc -> {
          if (!(dc.message().body() instanceof ReadQuery.Ping)) {
            dc.next();
          }
        };
    HttpClient http = vertx.createHttpClient();
    bus.addOutboundInterceptor(swallowPings);

    ready(http)
        .compose(
            hung -> {
              bus.removeOutboundInterceptor(swallowPings);
              return ready(http).map(back -> new Reply[] {hung, back});
            })
        .onComplete(
            ctx.succeeding(
                replies ->
                    ctx.verify(
                        () -> {
                          assertThat(replies[0].status()).isEqualTo(503);
                          assertThat(replies[0].body().getString("status")).isEqualTo("DOWN");
                          assertThat(replies[0].body().getString("database")).isEqualTo("DOWN");
                          assertThat(replies[1].status()).isEqualTo(200);
                          assertThat(replies[1].body().getString("database")).isEqualTo("UP");
                          ctx.completeNow();
                        })));
  }

  private static Future<Reply> ready(HttpClient http) {
    return http.request(HttpMethod.GET, server.port(), "127.0.0.1", "/health/ready")
        .compose(request -> request.send())
        .compose(
            response ->
                response.body().map(body -> new Reply(response.statusCode(), body.toJsonObject())));
  }
}
