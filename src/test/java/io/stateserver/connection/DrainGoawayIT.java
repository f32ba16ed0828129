package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.state.WriteCommand;
import io.stateserver.support.HttpCalls;
import io.stateserver.support.SyncClient;
import io.stateserver.support.TestServer;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** PROTOCOL.md section 5: a draining node sends goaway, then closes 1001. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class DrainGoawayIT {
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start();
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      server.close();
    } catch (Exception e) {
      // already closed by the drain
    }
  }

  @Test
  void drainingNodeSendsGoawayThenClosesGoingAway(Vertx vertx) {
    try (SyncClient a = SyncClient.connect(vertx, server.port(), server.adminToken());
        SyncClient b = SyncClient.connect(vertx, server.port(), server.token("pi-d", "device"))) {
      assertThat(a.call("set", "key", "drain/k", "value", 1).getBoolean("ok")).isTrue();
      SyncClient.await(server.server().drain());
      for (SyncClient c : List.of(a, b)) {
        assertThat(c.closeCode()).isEqualTo((short) 1001);
        List<JsonObject> goaways = c.frames(f -> "goaway".equals(f.getString("type")));
        assertThat(goaways).hasSize(1);
        JsonObject goaway = goaways.get(0);
        assertThat(goaway.getString("reason")).isNotBlank();
        assertThat(goaway.getLong("reconnectMs")).isNotNegative();
        List<JsonObject> frames = c.frames();
        assertThat(frames.get(frames.size() - 1)).as("goaway is the last frame").isEqualTo(goaway);
      }
    }
  }

  @Test
  void aDrainAnswersEveryWriteThatCommitsBeforeItsGoaway(Vertx vertx) throws Exception {
    Path dataDir = Files.createTempDirectory("drain-answers");
    TestServer draining = TestServer.start(dataDir);
    String dbUrl = draining.server().config().db().url();
    String key = "drain/pipelined";
    int sent = 300;
    long acknowledged;
    try (SyncClient c = SyncClient.connect(vertx, draining.port(), draining.adminToken())) {
      // Pipelined, none waited for: the drain finds many read and in flight, more not read yet.
      String value = "x".repeat(20_000);
      for (int i = 0; i < sent; i++) {
        c.send("set", "key", key, "value", value);
      }
      c.await(f -> "reply".equals(f.getString("type")), "a first reply");
      SyncClient.await(draining.server().drain());

      assertThat(c.closeCode()).isEqualTo((short) 1001);
      List<JsonObject> frames = c.frames();
      assertThat(frames.get(frames.size() - 1).getString("type"))
          .as("the goaway comes after every reply")
          .isEqualTo("goaway");
      acknowledged =
          c.frames(f -> "reply".equals(f.getString("type")) && f.getBoolean("ok")).size();
      // usually some, not all (those not read when the drain came never run); all would do too
      assertThat(acknowledged).isPositive();
    } catch (Exception | Error e) {
      closeDrained(draining);
      throw e;
    }
    // Every set of the key made a new version: as many as were acknowledged, not one more.
    TestServer again = TestServer.start(dataDir, "--db.url=" + dbUrl);
    try (SyncClient reader = SyncClient.connect(vertx, again.port(), again.adminToken())) {
      assertThat(reader.call("get", "key", key).getLong("version")).isEqualTo(acknowledged);
    } finally {
      again.close();
      // last: on PostgreSQL the drained node's close drops the schema both nodes use
      closeDrained(draining);
    }
  }

  @Test
  void aDrainAnswersEveryHttpWriteThatCommits(Vertx vertx) throws Exception {
    Path dataDir = Files.createTempDirectory("drain-http");
    TestServer draining = TestServer.start(dataDir);
    String dbUrl = draining.server().config().db().url();
    int clients = 16;
    HttpCalls http = new HttpCalls(draining.port());
    AtomicLong answered = new AtomicLong();
    long[] acknowledged = new long[clients];
    List<Thread> writers = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        int n = i;
        String token = draining.token("pi-h" + n, "device");
        Thread t =
            new Thread(
                () -> {
                  // one PUT after another until the node is gone: at the drain, one is in flight
                  try {
                    while (true) {
                      HttpCalls.Reply r = http.put("/v1/state/devices/pi-h" + n + "/n", token, "1");
                      if (r.status() / 100 != 2) {
                        return;
                      }
                      acknowledged[n]++;
                      answered.incrementAndGet();
                    }
                  } catch (Exception e) {
                    // the connection went away: the PUT in flight was not answered
                  }
                });
        t.start();
        writers.add(t);
      }
      while (answered.get() < clients * 5L) {
        Thread.sleep(10);
      }
      SyncClient.await(draining.server().drain());
      for (Thread t : writers) {
        t.join(20_000);
      }
    } catch (Exception | Error e) {
      closeDrained(draining);
      throw e;
    }
    TestServer again = TestServer.start(dataDir, "--db.url=" + dbUrl);
    try (SyncClient reader = SyncClient.connect(vertx, again.port(), again.adminToken())) {
      for (int i = 0; i < clients; i++) {
        assertThat(reader.call("get", "key", "devices/pi-h" + i + "/n").getLong("version"))
            .as("versions of client %d's key against its acknowledged PUTs", i)
            .isEqualTo(acknowledged[i]);
      }
    } finally {
      again.close();
      // last: on PostgreSQL the drained node's close drops the schema both nodes use
      closeDrained(draining);
    }
  }

  @Test
  void aDrainDoesNotWaitForAClientThatClosedWhileItsRequestWasUnanswered(Vertx vertx)
      throws Exception {
    // The grace is ten minutes, and the request's write is swallowed on its way to the state
    // service (its requester gives up only after 30 s): the drain, which answers what each client
    // sent before its goaway, must stop waiting for this client once it has closed.
    TestServer draining = TestServer.start("--limits.shutdownGraceMs=600000");
    EventBus bus = draining.server().vertx().eventBus();
    CompletableFuture<Void> swallowed = new CompletableFuture<>();
    Handler<DeliveryContext<Object>> swallowSets =
        dc -> {
          if (dc.message().body() instanceof WriteCommand.Set) {
            swallowed.complete(null);
          } else {
            dc.next();
          }
        };
    try (SyncClient c = SyncClient.connect(vertx, draining.port(), draining.adminToken())) {
      bus.addOutboundInterceptor(swallowSets);
      c.send("set", "key", "drain/stuck", "value", 1);
      swallowed.get(20, TimeUnit.SECONDS); // read, and on its way: the drain must answer it
      Future<Void> drained = draining.server().drain();
      Thread.sleep(1_000); // the goaway now waits for that set's answer
      assertThat(drained.isComplete()).as("still answering the set").isFalse();
      c.close();
      SyncClient.await(drained);
    } finally {
      bus.removeOutboundInterceptor(swallowSets);
      try {
        draining.close();
      } catch (Exception e) {
        // already closed by the drain
      }
    }
  }

  private static void closeDrained(TestServer drained) {
    try {
      drained.close();
    } catch (Exception e) {
      // already closed by the drain
    }
  }

  @Test
  void theClientsOfADrainedNodeAreToldToReconnectAtSpreadTimes(Vertx vertx) throws Exception {
    int clients = 60; // under the 100 upgrades per address that the default burst allows
    TestServer draining = TestServer.start();
    List<SyncClient> connected = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        connected.add(
            SyncClient.connect(vertx, draining.port(), draining.token("pi-" + i, "device")));
      }
      SyncClient.await(draining.server().drain());

      List<Long> delays = new ArrayList<>();
      for (SyncClient c : connected) {
        assertThat(c.closeCode()).isEqualTo((short) 1001);
        delays.add(
            c.frames(f -> "goaway".equals(f.getString("type"))).get(0).getLong("reconnectMs"));
      }
      // a millisecond of window per client sent away (ReconnectSpread), after the drain's second
      assertThat(delays).allSatisfy(d -> assertThat(d).isBetween(1_000L, 1_000L + clients));
      assertThat(new HashSet<>(delays)).as("not one delay for all").hasSizeGreaterThan(clients / 4);
    } finally {
      connected.forEach(SyncClient::close);
      try {
        draining.close();
      } catch (Exception e) {
        // already closed by the drain
      }
    }
  }
}
