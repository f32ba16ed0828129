package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.SharedServer;
import io.stateserver.support.SilentWebSocket;
import io.stateserver.support.SyncClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What becomes of the requests a connection sent but had not been answered when it closed. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
class ClosedConnectionIT {
  @RegisterExtension
  static final SharedServer server = new SharedServer("--limits.sessionGraceMs=1000");

  @Test
  void aWriteStillWaitingBehindReadsWhenTheConnectionClosesIsNotMadeAfterItsSessionEnded(
      Vertx vertx) throws Exception {
    seedPadding(vertx, "pad");
    SyncClient client =
        SyncClient.connect(vertx, server.port(), server.token("closed-client", "admin"));
    client.hello();
    // many slow reads, then an ephemeral write that waits for them, then gone
    for (int i = 0; i < 400; i++) {
      client.send("list", "pattern", "closed/pad/#", "limit", 10000);
    }
    client.send("set", "key", "closed/k", "value", 1, "ephemeral", true);
    client.close();

    try (SyncClient watcher = SyncClient.connect(vertx, server.port(), server.adminToken())) {
      // The session ends a second after the close. Had the write waited for the reads and been
      // made after that (about 12 s here before the fix), nothing would ever delete its key.
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
      while (System.nanoTime() < until) {
        assertThat(watcher.call("get", "key", "closed/k").getBoolean("exists"))
            .as("an ephemeral key written for a session that has ended")
            .isFalse();
        Thread.sleep(250);
      }
    }
  }

  @Test
  void aWriteStillWaitingWhenItsSessionIsTakenOverDoesNotOverwriteTheNewConnectionsWrites(
      Vertx vertx) throws Exception {
    seedPadding(vertx, "takeover");
    String token = server.token("closed-takeover", "admin");
    // the old connection never answers the close frame, as one whose network died
    try (SilentWebSocket old = SilentWebSocket.connect(server.port(), token)) {
      String session = new JsonObject(old.next().text()).getString("session");
      // a few seconds of reads: within the 10 s Vert.x gives the close to finish
      for (int i = 0; i < 60; i++) {
        old.sendText(
            new JsonObject()
                .put("op", "list")
                .put("id", i)
                // reads every padding row and matches none: slow to read, small to answer
                .put("pattern", "closed/takeover/+/none")
                .put("limit", 10000)
                .encode());
      }
      old.sendText(
          new JsonObject()
              .put("op", "set")
              .put("id", "stale")
              .put("key", "closed/t")
              .put("value", 1)
              .encode());
      try (SyncClient resumed =
          SyncClient.connect(vertx, server.port(), token, "session=" + session)) {
        assertThat(resumed.hello().getString("session")).isEqualTo(session);
        resumed.call("set", "key", "closed/t", "value", 2);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < until) {
          assertThat(resumed.call("get", "key", "closed/t").getInteger("value"))
              .as("the value the client wrote last")
              .isEqualTo(2);
          Thread.sleep(250);
        }
      }
    }
  }

  private static void seedPadding(Vertx vertx, String name) {
    String value = "x".repeat(400);
    for (int w = 0; w < 3; w++) {
      try (SyncClient setup =
          SyncClient.connect(vertx, server.port(), server.token(name + "-setup-" + w, "admin"))) {
        long last = 0;
        for (int i = w * 1000; i < (w + 1) * 1000; i++) {
          last =
              setup.send("set", "key", String.format("closed/%s/k%05d", name, i), "value", value);
        }
        setup.reply(last);
      }
    }
  }
}
