package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.SharedServer;
import io.stateserver.support.TestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class ProtocolBasicsIT {
  @RegisterExtension static final SharedServer server = new SharedServer();

  @Test
  void helloCarriesSessionNodeClientAndLimits(Vertx vertx, VertxTestContext ctx) {
    TestClient.connect(vertx, server.port(), server.token("pi-1", "device"))
        .compose(TestClient::hello)
        .onComplete(
            ctx.succeeding(
                hello ->
                    ctx.verify(
                        () -> {
                          assertThat(hello.getInteger("protocol")).isEqualTo(1);
                          assertThat(hello.getString("session")).isNotBlank();
                          assertThat(hello.getString("node")).isNotBlank();
                          assertThat(hello.getString("client")).isEqualTo("pi-1");
                          JsonObject limits = hello.getJsonObject("limits");
                          assertThat(limits.fieldNames())
                              .contains(
                                  "maxFrameBytes",
                                  "maxValueBytes",
                                  "maxSubscriptions",
                                  "sessionGraceMs",
                                  "rate");
                          assertThat(limits.getJsonObject("rate").fieldNames())
                              .contains("messagesPerSecond", "burst", "bytesPerSecond");
                          ctx.completeNow();
                        })));
  }

  @Test
  void setThenGetReturnsValueAndVersion(Vertx vertx, VertxTestContext ctx) {
    TestClient.connect(vertx, server.port(), server.token("pi-2", "device"))
        .compose(
            c ->
                c.hello()
                    .compose(
                        h ->
                            c.request(
                                "set",
                                "key",
                                "devices/pi-2/temp",
                                "value",
                                new JsonObject().put("c", 21.5)))
                    .compose(
                        set -> {
                          ctx.verify(
                              () -> {
                                assertThat(set.getBoolean("ok")).isTrue();
                                assertThat(set.getLong("version")).isEqualTo(1L);
                              });
                          return c.request("get", "key", "devices/pi-2/temp");
                        }))
        .onComplete(
            ctx.succeeding(
                get ->
                    ctx.verify(
                        () -> {
                          assertThat(get.getBoolean("ok")).isTrue();
                          assertThat(get.getBoolean("exists")).isTrue();
                          assertThat(get.getLong("version")).isEqualTo(1L);
                          assertThat(get.getJsonObject("value"))
                              .isEqualTo(new JsonObject().put("c", 21.5));
                          ctx.completeNow();
                        })));
  }

  @Test
  void subscriberReceivesSnapshotThenChanges(Vertx vertx, VertxTestContext ctx) {
    String admin = server.adminToken();
    TestClient.connect(vertx, server.port(), admin)
        .compose(
            writer ->
                writer
                    .hello()
                    .compose(h -> writer.request("set", "key", "room/a", "value", 1))
                    .compose(h -> TestClient.connect(vertx, server.port(), admin))
                    .compose(
                        reader ->
                            reader
                                .hello()
                                .compose(h -> reader.request("sub", "pattern", "room/#"))
                                .compose(
                                    snap -> {
                                      ctx.verify(
                                          () -> {
                                            assertThat(snap.getBoolean("more")).isFalse();
                                            assertThat(snap.getJsonArray("entries")).hasSize(1);
                                          });
                                      return writer
                                          .request("set", "key", "room/a", "value", 2)
                                          .compose(s -> reader.change("room/a", 2));
                                    })))
        .onComplete(
            ctx.succeeding(
                change ->
                    ctx.verify(
                        () -> {
                          assertThat(change.getLong("version")).isEqualTo(2L);
                          assertThat(change.getInteger("value")).isEqualTo(2);
                          assertThat(change.getString("by")).isEqualTo("admin-1");
                          ctx.completeNow();
                        })));
  }
}
