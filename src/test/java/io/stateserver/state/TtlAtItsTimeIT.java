package io.stateserver.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.SharedServer;
import io.stateserver.support.TestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A key written with {@code ttlMs} is deleted at its expiry by the node it was written through, not
 * only by the periodic sweep: here the sweep runs once in ten minutes, so only the expiry's own
 * timer can delete the keys within the test's time.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class TtlAtItsTimeIT {
  @RegisterExtension
  static final SharedServer server = new SharedServer("--limits.ttlSweepMs=600000");

  @Test
  void keysWithTtlAreDeletedAtTheirExpiryWithoutWaitingForThePeriodicSweep(
      Vertx vertx, VertxTestContext ctx) {
    AtomicReference<TestClient> admin = new AtomicReference<>();
    // several expiries, out of order: each one's time, not only the earliest, is swept at
    List<Integer> ttls = List.of(900, 300, 600);
    TestClient.connect(vertx, server.port(), server.adminToken())
        .compose(a -> a.hello().map(a))
        .compose(
            a -> {
              admin.set(a);
              return a.request("sub", "pattern", "ttl-timer/#");
            })
        .compose(
            sub ->
                io.vertx.core.Future.all(
                    IntStream.range(0, ttls.size())
                        .mapToObj(
                            i ->
                                admin
                                    .get()
                                    .request(
                                        "set",
                                        "key",
                                        "ttl-timer/k" + i,
                                        "value",
                                        i,
                                        "ttlMs",
                                        ttls.get(i)))
                        .toList()))
        .compose(
            sets ->
                io.vertx.core.Future.all(
                    IntStream.range(0, ttls.size())
                        .mapToObj(i -> admin.get().change("ttl-timer/k" + i, 2))
                        .toList()))
        .onComplete(
            ctx.succeeding(
                deletions ->
                    ctx.verify(
                        () -> {
                          assertThat(deletions.<JsonObject>list())
                              .allSatisfy(
                                  d -> {
                                    assertThat(d.getBoolean("deleted")).isTrue();
                                    assertThat(d.getString("by")).isEqualTo("$server");
                                  });
                          ctx.completeNow();
                        })));
  }
}
