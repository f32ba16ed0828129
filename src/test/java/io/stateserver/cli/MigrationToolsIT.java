package io.stateserver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.protocol.CloseCodes;
import io.stateserver.support.HttpCalls;
import io.stateserver.support.SyncClient;
import io.stateserver.support.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A migration between two real deployments: {@code mirror} runs the new one in parallel, {@code
 * compare} validates the state, and the switch-over sends the devices over while the operator's
 * tools stay.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class MigrationToolsIT {
  private static final String RATE_LIMITED = "rate-limited";

  private TestServer old;
  private TestServer next;

  private record Run(int code, List<JsonObject> out, String err) {}

  @BeforeEach
  void start(TestInfo test) throws Exception {
    if (test.getTags().contains(RATE_LIMITED)) {
      // the test writes many keys fast here; there, the mirror meets a tight budget, and five
      // refusals in 10 s close its connection
      old =
          TestServer.start("--limits.rate.messagesPerSecond=100000", "--limits.rate.burst=100000");
      next =
          TestServer.start(
              "--limits.rate.messagesPerSecond=100",
              "--limits.rate.burst=20",
              "--limits.rate.closeAfterRejections=5");
    } else {
      old = TestServer.start();
      next = TestServer.start();
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (TestServer s : new TestServer[] {old, next}) {
      if (s != null) {
        s.close();
      }
    }
  }

  private static String url(TestServer s) {
    return "ws://127.0.0.1:" + s.port() + "/v1/ws";
  }

  private Run run(Cli.Command command, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        command.run(
            args,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    List<JsonObject> lines = new ArrayList<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        lines.add(new JsonObject(line));
      }
    }
    return new Run(code, lines, err.toString(StandardCharsets.UTF_8));
  }

  private CompletableFuture<Run> mirrorInBackground(String pattern) {
    return CompletableFuture.supplyAsync(
        () ->
            run(
                (x, o, e) -> MirrorCommand.run(x, o, e, Map.of()),
                pattern,
                "--url",
                url(old),
                "--token",
                old.adminToken(),
                "--to-url",
                url(next),
                "--to-token",
                next.adminToken(),
                "--settle-ms",
                "3000"));
  }

  /** Switches the old deployment over to the new one (which stops a mirror that runs). */
  private void switchOver() throws Exception {
    HttpCalls.Reply switched =
        new HttpCalls(old.port())
            .post("/v1/admin/switchover", old.adminToken(), new JsonObject().put("url", url(next)));
    assertThat(switched.status()).isEqualTo(200);
  }

  private Run compareRun(String... args) {
    return run((a, o, e) -> CompareCommand.run(a, o, e, Map.of()), args);
  }

  private Run compare(String pattern) {
    return compareRun(
        pattern,
        "--url",
        url(old),
        "--token",
        old.adminToken(),
        "--with-url",
        url(next),
        "--with-token",
        next.adminToken());
  }

  private static void set(SyncClient c, String key, Object value) {
    assertThat(c.call("set", "key", key, "value", value).getBoolean("ok")).isTrue();
  }

  @Test
  void compareListsEveryKeyThatDiffersAndExitsFourUntilBothStatesAreTheSame(Vertx vertx) {
    try (SyncClient a = SyncClient.connect(vertx, old.port(), old.adminToken());
        SyncClient b = SyncClient.connect(vertx, next.port(), next.adminToken())) {
      set(a, "config/same", new JsonObject().put("x", 1).put("y", List.of(1, 2)));
      set(b, "config/same", new JsonObject().put("y", List.of(1, 2)).put("x", 1.0));
      set(a, "config/number", 1);
      set(b, "config/number", 1.0);
      set(a, "config/changed", 2);
      set(b, "config/changed", 3);
      set(a, "config/only-old", "x");
      set(b, "config/only-new", true);
      set(a, "devices/pi-1/t", 20);

      Run diff = compare("config/#");

      assertThat(diff.code()).as(diff.err()).isEqualTo(ExitCodes.DIFFERENT);
      assertThat(diff.out())
          .containsExactly(
              new JsonObject().put("key", "config/changed").put("here", 2).put("there", 3),
              new JsonObject().put("key", "config/only-new").put("there", true),
              new JsonObject().put("key", "config/only-old").put("here", "x"),
              new JsonObject()
                  .put("same", 2)
                  .put("different", 1)
                  .put("onlyHere", 1)
                  .put("onlyThere", 1));

      set(b, "config/changed", 2);
      set(b, "config/only-old", "x");
      assertThat(b.call("delete", "key", "config/only-new").getBoolean("ok")).isTrue();
      Run same = compare("config/#");
      assertThat(same.code()).as(same.err()).isEqualTo(ExitCodes.OK);
      assertThat(same.out())
          .containsExactly(
              new JsonObject()
                  .put("same", 4)
                  .put("different", 0)
                  .put("onlyHere", 0)
                  .put("onlyThere", 0));
    }
  }

  @Test
  void compareReportsARefusalAndAMissingUrlOrToken() {
    Run forbidden =
        compareRun(
            "#",
            "--url",
            url(old),
            "--token",
            old.token("pi-1", "device"),
            "--with-url",
            url(next),
            "--with-token",
            next.adminToken());
    Run usage = compareRun("#", "--url", url(old), "--token", old.adminToken());

    assertThat(forbidden.code()).isEqualTo(ExitCodes.ERROR_REPLY);
    assertThat(forbidden.err())
        .startsWith("forbidden:")
        .contains("[refused by: this deployment (--url " + url(old) + ")]");
    assertThat(usage.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(usage.err()).contains("--with-url is required");

    // this deployment's token is never handed to the other one
    Run noToken =
        compareRun("#", "--url", url(old), "--token", old.adminToken(), "--with-url", url(next));
    assertThat(noToken.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(noToken.err()).contains("--with-token (or env STATE_WITH_TOKEN) is required");

    // a token the other deployment refuses: which server, and which option to check
    Run badToken =
        compareRun(
            "#",
            "--url",
            url(old),
            "--token",
            old.adminToken(),
            "--with-url",
            url(next),
            "--with-token",
            old.adminToken() + "x");
    assertThat(badToken.code()).isEqualTo(ExitCodes.CONNECTION);
    assertThat(badToken.err())
        .contains("[url: " + url(next) + ", status: 401]")
        .contains("(check --with-token or STATE_WITH_TOKEN)");
  }

  @Test
  void mirrorMakesTheNewStateTheSameAndKeepsItSoUntilTheSwitchOver(Vertx vertx) throws Exception {
    try (SyncClient a = SyncClient.connect(vertx, old.port(), old.adminToken());
        SyncClient b = SyncClient.connect(vertx, next.port(), next.adminToken())) {
      set(a, "config/a", 1);
      set(a, "config/b", "b");
      set(b, "config/a", "stale value");
      set(b, "config/stale", "gone soon");
      set(b, "other/kept", 1);
      assertThat(b.call("sub", "pattern", "#").getBoolean("ok")).isTrue();

      CompletableFuture<Run> mirror = mirrorInBackground("config/#");

      // the snapshot: written there, and what does not exist here deleted there
      assertThat(b.change("config/a", 2).getInteger("value")).isEqualTo(1);
      assertThat(b.change("config/b", 1).getString("value")).isEqualTo("b");
      assertThat(b.change("config/stale", 2).getBoolean("deleted")).isTrue();

      // then every change, as it comes
      set(a, "config/c", new JsonObject().put("on", true));
      assertThat(a.call("patch", "key", "config/a", "patch", 5).getBoolean("ok")).isTrue();
      assertThat(a.call("delete", "key", "config/b").getBoolean("ok")).isTrue();
      assertThat(b.change("config/c", 1).getJsonObject("value").getBoolean("on")).isTrue();
      assertThat(b.change("config/a", 3).getInteger("value")).isEqualTo(5);
      assertThat(b.change("config/b", 2).getBoolean("deleted")).isTrue();
      Run compared = compare("config/#");
      assertThat(compared.code()).as(compared.out().toString()).isEqualTo(ExitCodes.OK);
      assertThat(b.call("get", "key", "other/kept").getInteger("value"))
          .as("outside the pattern")
          .isEqualTo(1);

      // The switch-over sends the devices away, and stops the mirror by itself: what this
      // deployment does afterwards (a last will, an expiry) must not reach the new one.
      set(a, "config/last", "before the switch-over");
      try (SyncClient device = SyncClient.connect(vertx, old.port(), old.token("pi-1", "device"))) {
        switchOver();
        assertThat(device.closeCode()).isEqualTo((short) 1001);
      }
      // Within --settle-ms, what a client still writes here goes there too (a device's write
      // just before its goaway), but only where the key there is as the mirror left it: a
      // device that moved wrote config/a there, and that stays.
      set(b, "config/a", "a moved device's");
      set(a, "config/a", "written here after the switch-over");
      set(a, "config/after", "written here after the switch-over");
      Run ended = mirror.get(30, TimeUnit.SECONDS);
      assertThat(ended.code()).as(ended.err()).isEqualTo(ExitCodes.OK);
      assertThat(ended.err())
          .contains("mirrored the snapshot [keys: 2, removed there: 1]")
          .contains("switched over [url: " + url(next) + "]")
          .contains(
              "late changes written: 1, changes left because somebody else wrote the key there:"
                  + " 1]");
      assertThat(b.call("get", "key", "config/after").getString("value"))
          .isEqualTo("written here after the switch-over");
      assertThat(b.call("get", "key", "config/a").getString("value")).isEqualTo("a moved device's");
      assertThat(ended.out())
          .contains(
              new JsonObject().put("key", "config/c").put("version", 1),
              new JsonObject().put("key", "config/b").put("version", 2).put("deleted", true),
              new JsonObject().put("key", "config/last").put("version", 1));
      assertThat(b.change("config/last", 1).getString("value")).isEqualTo("before the switch-over");
      Run afterwards = compare("config/#");
      assertThat(afterwards.code())
          .as("an operator may still compare")
          .isEqualTo(ExitCodes.DIFFERENT);
      assertThat(afterwards.out())
          .filteredOn(line -> line.containsKey("key"))
          .extracting(line -> line.getString("key"))
          .containsExactly("config/a");

      // once switched over, a new mirror refuses to start, and writes nothing there
      set(b, "config/a", "written by a device on the new deployment");
      Run again = mirrorInBackground("config/#").get(30, TimeUnit.SECONDS);
      assertThat(again.code()).isEqualTo(ExitCodes.ERROR_REPLY);
      assertThat(again.err()).contains("has switched over");
      assertThat(again.out()).isEmpty();
      assertThat(b.call("get", "key", "config/a").getString("value"))
          .isEqualTo("written by a device on the new deployment");
    }
  }

  @Test
  @Tag(RATE_LIMITED)
  void mirrorKeepsToTheRateTheNewDeploymentAnnounces(Vertx vertx) throws Exception {
    int keys = 300;
    try (SyncClient a = SyncClient.connect(vertx, old.port(), old.adminToken());
        SyncClient b = SyncClient.connect(vertx, next.port(), next.adminToken())) {
      for (int i = 0; i < keys; i++) {
        set(a, "config/k" + i, i);
      }
      assertThat(b.call("sub", "pattern", "config/#").getBoolean("ok")).isTrue();

      CompletableFuture<Run> mirror = mirrorInBackground("config/#");

      // 300 writes at 100/s: about three seconds, each key once, and no refusal closes the mirror
      for (int i = 0; i < keys; i++) {
        assertThat(b.change("config/k" + i, 1).getInteger("value")).isEqualTo(i);
      }

      // One key written 300 times, far faster than the 100/s the mirror may write there: it
      // conflates, and writes the newest value, once more than it had to at most per batch.
      int writes = 300;
      long last = 0;
      for (int i = 1; i <= writes; i++) {
        last = a.send("set", "key", "config/hot", "value", i);
      }
      assertThat(a.reply(last).getBoolean("ok")).isTrue();
      b.await(
          f ->
              "change".equals(f.getString("type"))
                  && "config/hot".equals(f.getString("key"))
                  && Integer.valueOf(writes).equals(f.getValue("value")),
          "the last value of config/hot");

      assertThat(compare("config/#").code()).isEqualTo(ExitCodes.OK);
      switchOver();
      Run ended = mirror.get(30, TimeUnit.SECONDS);
      assertThat(ended.code()).as(ended.err()).isEqualTo(ExitCodes.OK);
      assertThat(ended.err()).contains("mirrored the snapshot [keys: 300, removed there: 0]");
      // the port in the switch-over url may contain 4429, so match the whole close message
      assertThat(ended.err())
          .doesNotContain("rate_limited")
          .doesNotContain("[code: " + CloseCodes.RATE_LIMITED);
      long hot = ended.out().stream().filter(l -> "config/hot".equals(l.getString("key"))).count();
      assertThat(hot).as("writes of config/hot there").isPositive().isLessThan(writes);
      assertThat(ended.out()).hasSize(keys + (int) hot);
    }
  }
}
