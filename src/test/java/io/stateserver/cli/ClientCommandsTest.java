package io.stateserver.cli;

import static io.stateserver.cli.FakeStateServer.error;
import static io.stateserver.cli.FakeStateServer.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.FreePorts;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The client tools against a fake server: what they send, what they print, how they exit. The tools
 * block, so they run on the test thread while the fake server runs on the test's Vert.x.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ClientCommandsTest {

  private FakeStateServer server;
  private Map<String, String> env;
  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

  @BeforeEach
  void startFakeServer(Vertx vertx) throws Exception {
    server = FakeStateServer.start(vertx);
    env = Map.of("STATE_URL", server.url(), "STATE_TOKEN", "test-token");
  }

  @Test
  void getSendsTheKeyWithTheBearerTokenAndPrintsTheReplyBody() {
    server.answer(
        request ->
            List.of(
                ok(
                    request,
                    new JsonObject()
                        .put("exists", true)
                        .put("value", new JsonObject().put("on", true))
                        .put("version", 3))));

    int exit = GetCommand.run(new String[] {"devices/d1/state"}, out, err, env);

    assertThat(exit).as("stderr: %s", err()).isEqualTo(ExitCodes.OK);
    assertThat(server.authorizations).containsExactly("Bearer test-token");
    JsonObject request = server.onlyRequest();
    assertThat(request.getString("op")).isEqualTo("get");
    assertThat(request.getString("key")).isEqualTo("devices/d1/state");
    assertThat(request.getValue("id")).isInstanceOf(Number.class);
    assertThat(new JsonObject(out().strip()))
        .isEqualTo(
            new JsonObject()
                .put("exists", true)
                .put("value", new JsonObject().put("on", true))
                .put("version", 3));
  }

  @Test
  void setSendsValueAndWriteOptions() {
    server.answer(request -> List.of(ok(request, new JsonObject().put("version", 5))));

    int exit =
        SetCommand.run(
            new String[] {
              "devices/d1/state",
              "{\"on\":true}",
              "--if-version",
              "4",
              "--ttl-ms=5000",
              "--ephemeral"
            },
            out,
            err,
            env);

    assertThat(exit).as("stderr: %s", err()).isEqualTo(ExitCodes.OK);
    JsonObject request = server.onlyRequest();
    assertThat(request.getString("op")).isEqualTo("set");
    assertThat(request.getJsonObject("value")).isEqualTo(new JsonObject().put("on", true));
    assertThat(request.getLong("ifVersion")).isEqualTo(4L);
    assertThat(request.getLong("ttlMs")).isEqualTo(5000L);
    assertThat(request.getBoolean("ephemeral")).isTrue();
    assertThat(new JsonObject(out().strip())).isEqualTo(new JsonObject().put("version", 5));
  }

  @Test
  void setWithoutOptionsSendsOnlyKeyAndValue() {
    server.answer(request -> List.of(ok(request, new JsonObject().put("version", 1))));

    int exit = SetCommand.run(new String[] {"counter", "-5"}, out, err, env);

    assertThat(exit).as("stderr: %s", err()).isEqualTo(ExitCodes.OK);
    JsonObject request = server.onlyRequest();
    assertThat(request.getInteger("value")).isEqualTo(-5);
    assertThat(request.fieldNames()).containsExactlyInAnyOrder("op", "id", "key", "value");
  }

  @Test
  void errorReplyExitsOneAndPrintsCodeMessageAndDetailsToStderr() {
    server.answer(
        request ->
            List.of(
                error(
                    request,
                    new JsonObject()
                        .put("code", "version_conflict")
                        .put("message", "version is 7")
                        .put("version", 7))));

    int exit = SetCommand.run(new String[] {"k", "1", "--if-version", "6"}, out, err, env);

    assertThat(exit).as("stderr: %s", err()).isEqualTo(ExitCodes.ERROR_REPLY);
    assertThat(out()).isEmpty();
    assertThat(err()).contains("version_conflict: version is 7").contains("{\"version\":7}");
  }

  @Test
  void listSendsPatternLimitAndAfter() {
    JsonArray entries =
        new JsonArray().add(new JsonObject().put("key", "a/1").put("value", 1).put("version", 1));
    server.answer(
        request ->
            List.of(ok(request, new JsonObject().put("entries", entries).put("next", "a/1"))));

    int exit =
        ListCommand.run(new String[] {"a/#", "--limit", "1", "--after", "a/0"}, out, err, env);

    assertThat(exit).as("stderr: %s", err()).isEqualTo(ExitCodes.OK);
    JsonObject request = server.onlyRequest();
    assertThat(request.getString("op")).isEqualTo("list");
    assertThat(request.getString("pattern")).isEqualTo("a/#");
    assertThat(request.getLong("limit")).isEqualTo(1L);
    assertThat(request.getString("after")).isEqualTo("a/0");
    assertThat(new JsonObject(out().strip()))
        .isEqualTo(new JsonObject().put("entries", entries).put("next", "a/1"));
  }

  @Test
  void subPrintsSnapshotEntriesThenChangesOnePerLineUntilTheServerCloses() {
    JsonObject e1 = new JsonObject().put("key", "a/1").put("value", 1).put("version", 1);
    JsonObject e2 = new JsonObject().put("key", "a/2").put("value", 2).put("version", 4);
    JsonObject change =
        new JsonObject()
            .put("type", "change")
            .put("key", "a/1")
            .put("version", 2)
            .put("value", 10)
            .put("ts", 1000)
            .put("by", "x");
    JsonObject deletion =
        new JsonObject()
            .put("type", "change")
            .put("key", "a/2")
            .put("version", 5)
            .put("deleted", true)
            .put("ts", 1001)
            .put("by", "x");
    server.answer(
        request ->
            List.of(
                ok(request, snapshot(e1, true)),
                ok(request, snapshot(e2, false)),
                change,
                deletion,
                new JsonObject().put("type", "close").put("code", 1001).put("reason", "draining")));

    int exit = SubCommand.run(new String[] {"a/#"}, out, err, env);

    assertThat(exit).as("stderr: %s", err()).isEqualTo(ExitCodes.CONNECTION);
    assertThat(server.onlyRequest().getString("op")).isEqualTo("sub");
    assertThat(server.onlyRequest().getString("pattern")).isEqualTo("a/#");
    assertThat(out().lines().map(JsonObject::new)).containsExactly(e1, e2, change, deletion);
    assertThat(err()).contains("1001").contains("draining");
  }

  @Test
  void subErrorReplyExitsOne() {
    server.answer(
        request ->
            List.of(
                error(
                    request,
                    new JsonObject().put("code", "forbidden").put("message", "not yours"))));

    int exit = SubCommand.run(new String[] {"secret/#"}, out, err, env);

    assertThat(exit).as("stderr: %s", err()).isEqualTo(ExitCodes.ERROR_REPLY);
    assertThat(err()).contains("forbidden: not yours");
  }

  @Test
  void urlAndTokenOptionsOverrideTheEnvironment() {
    server.answer(request -> List.of(ok(request, new JsonObject().put("exists", false))));
    Map<String, String> unreachable =
        Map.of("STATE_URL", "ws://127.0.0.1:" + FreePorts.find() + "/v1/ws", "STATE_TOKEN", "old");

    int exit =
        GetCommand.run(
            new String[] {"k", "--url", server.url(), "--token", "new"}, out, err, unreachable);

    assertThat(exit).as("stderr: %s", err()).isEqualTo(ExitCodes.OK);
    assertThat(server.authorizations).containsExactly("Bearer new");
  }

  @Test
  void refusedUpgradeExitsThreeAndNamesTheStatus() {
    int exit = GetCommand.run(new String[] {"k"}, out, err, Map.of("STATE_URL", server.url()));

    assertThat(exit).as("stderr: %s", err()).isEqualTo(ExitCodes.CONNECTION);
    assertThat(err()).contains("401");
    assertThat(server.requests).isEmpty();
  }

  @Test
  void unreachableServerExitsThree() {
    int exit =
        GetCommand.run(
            new String[] {"k", "--url", "ws://127.0.0.1:" + FreePorts.find() + "/v1/ws"},
            out,
            err,
            env);

    assertThat(exit).as("stderr: %s", err()).isEqualTo(ExitCodes.CONNECTION);
    assertThat(err()).startsWith("error: ");
  }

  @Test
  void usageErrorsExitTwoWithoutConnecting() {
    List<Integer> exits =
        List.of(
            GetCommand.run(new String[] {}, out, err, env),
            GetCommand.run(new String[] {"a", "b"}, out, err, env),
            SetCommand.run(new String[] {"k", "{not json"}, out, err, env),
            SetCommand.run(new String[] {"k", "1", "--if-version", "-1"}, out, err, env),
            SetCommand.run(new String[] {"k", "1", "--ttl-ms", "soon"}, out, err, env),
            ListCommand.run(new String[] {"a/#", "--limit"}, out, err, env),
            ListCommand.run(new String[] {"a/#", "--bogus"}, out, err, env),
            SubCommand.run(new String[] {"a/#", "--url", "http://127.0.0.1/v1/ws"}, out, err, env),
            Cli.run(new String[] {"frobnicate"}, out, err));

    assertThat(exits).containsOnly(ExitCodes.USAGE);
    assertThat(server.requests).isEmpty();
    assertThat(server.authorizations).isEmpty();
    assertThat(out()).isEmpty();
    assertThat(err()).contains("usage: set").contains("unknown option --bogus");
  }

  @Test
  void setRefusesANumberOutsideTheRangeOfADoubleWithoutConnecting() {
    // Json.decodeValue turns 1e400 into an infinite double, which would go out as "Infinity"
    for (String value : List.of("1e400", "[1e400,-1e400]", "{\"a\":{\"b\":[-1e400]}}")) {
      assertThat(SetCommand.run(new String[] {"devices/pi-7/inf", value}, out, err, env))
          .as("value %s", value)
          .isEqualTo(ExitCodes.USAGE);
    }

    assertThat(server.requests).isEmpty();
    assertThat(server.authorizations).isEmpty();
    assertThat(out()).isEmpty();
    assertThat(err()).contains("outside the range of a double").contains("usage: set");
  }

  @Test
  void helpPrintsUsageToStdoutAndExitsZero() {
    int exit = Cli.run(new String[] {"set", "--help"}, out, err);

    assertThat(exit).as("stderr: %s", err()).isEqualTo(ExitCodes.OK);
    assertThat(out()).contains("usage: set").contains("--if-version").contains("STATE_URL");
    assertThat(server.requests).isEmpty();
  }

  private static JsonObject snapshot(JsonObject entry, boolean more) {
    return new JsonObject()
        .put("sub", "s1")
        .put("entries", new JsonArray().add(entry))
        .put("removed", new JsonArray())
        .put("more", more);
  }

  private String out() {
    return outBytes.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }
}
