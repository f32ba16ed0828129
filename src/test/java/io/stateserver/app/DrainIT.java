package io.stateserver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.TestClient;
import io.stateserver.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** PROTOCOL.md sections 5 and 8: a draining node says goaway to every client, then closes 1001. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class DrainIT {
  private TestServer server;

  @BeforeEach
  void start() throws Exception {
    server = TestServer.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @Test
  void drainSendsGoawayToEveryClientThenClosesWithGoingAway(Vertx vertx, VertxTestContext ctx) {
    Future.all(connect(vertx, "pi-d1"), connect(vertx, "pi-d2"), connect(vertx, "pi-d3"))
        .compose(
            all -> {
              List<TestClient> clients = all.list();
              List<Future<JsonObject>> goaways =
                  clients.stream()
                      .map(c -> c.next(f -> "goaway".equals(f.getString("type"))))
                      .toList();
              List<Future<Short>> closes = clients.stream().map(TestClient::closed).toList();
              Future<Void> drained = server.server().drain();
              return Future.all(goaways)
                  .compose(
                      g -> {
                        ctx.verify(
                            () -> {
                              for (JsonObject goaway : g.<JsonObject>list()) {
                                assertThat(goaway.getString("reason")).isNotBlank();
                                assertThat(goaway.getLong("reconnectMs")).isNotNegative();
                              }
                            });
                        return Future.all(closes).compose(c -> drained.map(c));
                      });
            })
        .onComplete(
            ctx.succeeding(
                codes ->
                    ctx.verify(
                        () -> {
                          assertThat(codes.<Short>list()).containsOnly((short) 1001);
                          ctx.completeNow();
                        })));
  }

  private Future<TestClient> connect(Vertx vertx, String id) {
    return TestClient.connect(vertx, server.port(), server.token(id, "device"))
        .compose(c -> c.hello().map(c));
  }
}
