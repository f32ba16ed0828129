package io.stateserver.cli;

import static io.stateserver.cli.FakeStateServer.error;
import static io.stateserver.cli.FakeStateServer.ok;
import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.connection.Switchover;
import io.stateserver.state.StateRules;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code mirror}'s paths that a real server shows only by chance: batches larger than one, refusals
 * and their retries, a prune that meets a newer write, and switch-overs at every stage. The old and
 * the new deployment are scripted fakes.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class MirrorCommandTest {
  private static final JsonObject MOVED = new JsonObject().put("url", "wss://new.example/v1/ws");

  private FakeStateServer old;
  private FakeStateServer next;
  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

  /** The old deployment's frames after the reply to {@code sub} of the pattern. */
  private List<JsonObject> snapshotFrames = List.of();

  /** The target's answer to a write, by request; OK by default. */
  private Function<JsonObject, JsonObject> writeAnswer = r -> ok(r, new JsonObject());

  /** The target's keys for {@code list}. */
  private JsonArray listed = new JsonArray();

  /** The target's answer to {@code list}, by request; {@link #listed} by default. */
  private Function<JsonObject, JsonObject> listAnswer =
      r -> ok(r, new JsonObject().put("entries", listed));

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    old = FakeStateServer.start(vertx);
    next = FakeStateServer.start(vertx);
    old.answer(
        r -> {
          if (!"sub".equals(r.getString("op"))) {
            return List.of(ok(r, new JsonObject()));
          }
          if (Switchover.KEY.equals(r.getString("pattern"))) {
            return List.of(snapshotReply(r, new JsonArray(), false));
          }
          List<JsonObject> frames = new ArrayList<>();
          for (JsonObject f : snapshotFrames) {
            // a reply placeholder gets the request's id
            frames.add(
                "reply".equals(f.getString("type")) ? f.copy().put("id", r.getValue("id")) : f);
          }
          return frames;
        });
    next.answer(
        r ->
            List.of("list".equals(r.getString("op")) ? listAnswer.apply(r) : writeAnswer.apply(r)));
  }

  private static JsonObject snapshotReply(JsonObject request, JsonArray entries, boolean more) {
    return ok(
        request,
        new JsonObject().put("entries", entries).put("removed", new JsonArray()).put("more", more));
  }

  private static JsonObject entry(String key, Object value) {
    return new JsonObject().put("key", key).put("value", value).put("version", 1);
  }

  private static JsonObject change(String key, Object value) {
    return changeAt(key, value, 1);
  }

  /** A change stamped {@code ts} (epoch ms) by the node that committed it. */
  private static JsonObject changeAt(String key, Object value, long ts) {
    return new JsonObject()
        .put("type", "change")
        .put("key", key)
        .put("version", 1)
        .put("value", value)
        .put("ts", ts)
        .put("by", "x");
  }

  private static JsonObject deletionAt(String key, long ts) {
    return changeAt(key, null, ts).put("version", 2).put("deleted", true);
  }

  /**
   * The new deployment's answers: the snapshot's write of a key gets version 7 there, a conditional
   * write one more than it expects; but somebody else has written {@code key} there since the
   * snapshot (version 99), so a conditional write of it conflicts.
   */
  private static Function<JsonObject, JsonObject> versionsWhereSomebodyElseWrote(String key) {
    return r -> {
      Long ifVersion = r.getLong("ifVersion");
      if (key.equals(r.getString("key")) && ifVersion != null) {
        return error(r, new JsonObject().put("code", "version_conflict").put("version", 99));
      }
      return ok(r, new JsonObject().put("version", ifVersion == null ? 7 : ifVersion + 1));
    };
  }

  /** The old deployment switching over, as its subscribers see it. */
  private static JsonObject switchingOver() {
    return switchingOverAt(1);
  }

  private static JsonObject switchingOverAt(long ts) {
    return changeAt(Switchover.KEY, MOVED, ts);
  }

  private int mirror() {
    return mirror("t-new");
  }

  private int mirror(String toToken) {
    return MirrorCommand.run(
        new String[] {
          "#",
          "--url",
          old.url(),
          "--token",
          "t-old",
          "--to-url",
          next.url(),
          "--to-token",
          toToken,
          "--settle-ms",
          "500"
        },
        new PrintStream(outBytes, true, StandardCharsets.UTF_8),
        new PrintStream(errBytes, true, StandardCharsets.UTF_8),
        Map.of());
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  /** The lines printed on stdout, one JSON object each. */
  private List<JsonObject> out() {
    return outBytes.toString(StandardCharsets.UTF_8).lines().map(JsonObject::new).toList();
  }

  private List<String> written(String op) {
    return next.requests.stream()
        .filter(r -> op.equals(r.getString("op")))
        .map(r -> r.getString("key"))
        .toList();
  }

  @Test
  void thousandsOfQueuedChangesAreAllWrittenAndNothingAfterTheSwitchOver() {
    List<JsonObject> frames = new ArrayList<>();
    frames.add(snapshotReply(new JsonObject(), new JsonArray().add(entry("a/0", 0)), false));
    int changes = 2_500;
    for (int i = 1; i <= changes; i++) {
      frames.add(change("a/" + i, i));
    }
    frames.add(change("a/7", "newer"));
    frames.add(switchingOver());
    frames.add(
        changeAt("a/after", "a last will of the old deployment", 2).put("by", StateRules.SERVER));
    snapshotFrames = frames;

    int exit = mirror();

    assertThat(exit).as(err()).isEqualTo(ExitCodes.OK);
    assertThat(err()).contains("switched over [url: wss://new.example/v1/ws]");
    List<String> set = written("set");
    // every key, once per batch it changed in (a/7 once or twice, with what has queued up)
    assertThat(new HashSet<>(set)).hasSize(changes + 1);
    assertThat(set).hasSizeLessThanOrEqualTo(changes + 2).doesNotContain("a/after");
    JsonObject a7 =
        next.requests.stream()
            .filter(r -> "a/7".equals(r.getString("key")))
            .reduce((first, second) -> second)
            .orElseThrow();
    assertThat(a7.getValue("value")).isEqualTo("newer");
  }

  /**
   * After the switch-over the mirror still writes the changes that arrive late: those stamped
   * before it (on a cluster they can arrive after it) and those a client made before its goaway,
   * but not the server's own after it (a last will of an old session). Each only where the key
   * there is as the mirror's own last write left it: a device that moved may have written it.
   */
  @Test
  void lateChangesAreWrittenOnlyWhereTheKeyThereIsAsTheMirrorLeftIt() {
    snapshotFrames =
        List.of(
            snapshotReply(
                new JsonObject(),
                new JsonArray()
                    .add(entry("a/late", 0))
                    .add(entry("a/expired", 0))
                    .add(entry("a/will", 0))
                    .add(entry("a/moved", 0))
                    .add(entry("a/before-goaway", 0)),
                false),
            switchingOverAt(1_000),
            changeAt("a/late", "committed before", 999),
            deletionAt("a/expired", 998).put("by", StateRules.SERVER),
            deletionAt("a/will", 1_001).put("by", StateRules.SERVER),
            changeAt("a/moved", "committed before", 997),
            changeAt("a/new", "committed before", 996),
            deletionAt("a/absent", 995),
            changeAt("a/before-goaway", "a device's, after the switch-over", 1_002),
            changeAt(Switchover.KEY, MOVED.copy().put("reconnectMs", 5), 990));
    writeAnswer = versionsWhereSomebodyElseWrote("a/moved");

    assertThat(mirror()).as(err()).isEqualTo(ExitCodes.OK);

    assertThat(next.requests)
        .filteredOn(r -> r.containsKey("ifVersion"))
        .extracting(
            r -> r.getString("op") + " " + r.getString("key") + "@" + r.getLong("ifVersion"))
        .containsExactlyInAnyOrder(
            "set a/late@7",
            "delete a/expired@7",
            "set a/moved@7",
            "set a/new@0",
            "set a/before-goaway@7");
    assertThat(next.requests)
        .filteredOn(r -> "a/late".equals(r.getString("key")))
        .last()
        .satisfies(r -> assertThat(r.getValue("value")).isEqualTo("committed before"));
    assertThat(written("set")).doesNotContain(Switchover.KEY);
    assertThat(written("delete")).doesNotContain("a/will", "a/absent");
    assertThat(err())
        .contains(
            "late changes written: 4, changes left because somebody else wrote the key there: 1]");
    assertThat(out())
        .contains(new JsonObject().put("key", "a/moved").put("version", 1).put("left", true));
  }

  /**
   * After the snapshot the mirror writes a change only where the key there is as its own last write
   * left it: a key somebody else wrote there (a device that moved early) is left, with a line that
   * says so, for the rest of the run.
   */
  @Test
  void aKeySomebodyElseWroteThereIsLeftAndNotOverwritten() {
    snapshotFrames =
        List.of(
            snapshotReply(
                new JsonObject(), new JsonArray().add(entry("a/x", 0)).add(entry("a/y", 0)), false),
            change("a/x", "one"),
            change("a/y", "one"),
            change("a/x", "two").put("version", 2),
            switchingOver());
    writeAnswer = versionsWhereSomebodyElseWrote("a/x");

    assertThat(mirror()).as(err()).isEqualTo(ExitCodes.OK);

    assertThat(next.requests)
        .filteredOn(r -> "a/x".equals(r.getString("key")) && r.containsKey("ifVersion"))
        .as("written once, conditionally; after the conflict not again")
        .hasSize(1)
        .allMatch(r -> r.getLong("ifVersion") == 7);
    assertThat(next.requests)
        .filteredOn(r -> "a/y".equals(r.getString("key")) && r.containsKey("ifVersion"))
        .extracting(r -> r.getValue("value") + "@" + r.getLong("ifVersion"))
        .containsExactly("one@7");
    assertThat(out())
        .filteredOn(line -> line.getBoolean("left", false))
        .extracting(line -> line.getString("key"))
        .containsOnly("a/x")
        .isNotEmpty();
    assertThat(out()).contains(new JsonObject().put("key", "a/y").put("version", 1));
  }

  @Test
  void aDeferredWriteIsSentAgainAndARefusalThatIsNotADeferralStopsTheMirror() {
    snapshotFrames =
        List.of(
            snapshotReply(
                new JsonObject(), new JsonArray().add(entry("a/0", 0)).add(entry("a/1", 1)), false),
            switchingOver());
    Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    writeAnswer =
        r -> {
          int n =
              attempts
                  .computeIfAbsent(r.getString("key"), k -> new AtomicInteger())
                  .incrementAndGet();
          return "a/0".equals(r.getString("key")) && n <= 2
              ? error(r, new JsonObject().put("code", "rate_limited").put("retryAfterMs", 1))
              : ok(r, new JsonObject());
        };

    assertThat(mirror()).as(err()).isEqualTo(ExitCodes.OK);
    assertThat(attempts.get("a/0")).hasValue(3);
    assertThat(attempts.get("a/1")).hasValue(1);

    writeAnswer = r -> error(r, new JsonObject().put("code", "bad_request").put("message", "no"));
    next.requests.clear();
    assertThat(mirror()).isEqualTo(ExitCodes.ERROR_REPLY);
    assertThat(err()).contains("bad_request: no");
    assertThat(written("set")).filteredOn("a/0"::equals).hasSize(1);
  }

  /**
   * A deferral lasts as long as the new deployment cannot reach its database (a failover takes 15
   * s, about 15 deferrals of 1 s): the mirror sends its writes and its {@code list} again for as
   * long as it lasts, however many times that takes.
   */
  @Test
  void aDeferralIsWaitedOutHoweverLongItLasts() {
    snapshotFrames =
        List.of(
            snapshotReply(
                new JsonObject(),
                new JsonArray().add(entry("a/0", 0)).add(entry("a/1", 1)),
                false));
    Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    JsonObject outage = new JsonObject().put("code", "unavailable").put("retryAfterMs", 1);
    writeAnswer =
        r -> {
          int n =
              attempts
                  .computeIfAbsent(r.getString("key"), k -> new AtomicInteger())
                  .incrementAndGet();
          return "a/0".equals(r.getString("key")) && n <= 15
              ? error(r, outage)
              : ok(r, new JsonObject());
        };
    AtomicInteger lists = new AtomicInteger();
    listAnswer =
        r -> {
          if (lists.incrementAndGet() <= 12) {
            return error(r, outage);
          }
          old.push(switchingOver()); // which ends the mirror once the prune is done
          return ok(r, new JsonObject().put("entries", new JsonArray()));
        };

    assertThat(mirror()).as(err()).isEqualTo(ExitCodes.OK);

    assertThat(attempts.get("a/0")).hasValue(16);
    assertThat(attempts.get("a/1")).hasValue(1);
    assertThat(lists).hasValue(13);
    assertThat(out())
        .contains(
            new JsonObject().put("key", "a/0").put("version", 1),
            new JsonObject().put("key", "a/1").put("version", 1));
  }

  /**
   * A key the new deployment refuses (a lower {@code maxValueBytes} there) stops the mirror, naming
   * the key; the writes sent before the refusal was read were committed, and their lines are
   * printed before it stops.
   */
  @Test
  void aRefusedKeyIsNamedAndTheWritesInFlightWithItAreStillPrinted() {
    snapshotFrames =
        List.of(
            snapshotReply(
                new JsonObject(),
                new JsonArray()
                    .add(entry("a/0", 0))
                    .add(entry("a/big", "x".repeat(100)))
                    .add(entry("a/1", 1))
                    .add(entry("a/2", 2)),
                false));
    writeAnswer =
        r ->
            "a/big".equals(r.getString("key"))
                ? error(
                    r,
                    new JsonObject()
                        .put("code", "too_large")
                        .put("message", "value larger than 32768 bytes"))
                : ok(r, new JsonObject().put("version", 7));

    assertThat(mirror()).isEqualTo(ExitCodes.ERROR_REPLY);

    assertThat(err()).contains("too_large: value larger than 32768 bytes").contains("key: a/big");
    assertThat(out())
        .containsExactlyInAnyOrder(
            new JsonObject().put("key", "a/0").put("version", 1),
            new JsonObject().put("key", "a/1").put("version", 1),
            new JsonObject().put("key", "a/2").put("version", 1));
  }

  /** Which server refused, and which option to check: the tool talks to two. */
  @Test
  void aRefusalNamesTheServerThatRefused() {
    assertThat(mirror("bad")).isEqualTo(ExitCodes.CONNECTION);
    assertThat(err())
        .contains("[url: " + next.url() + ", status: 401]")
        .contains("check --to-token or STATE_TO_TOKEN");

    errBytes.reset();
    snapshotFrames =
        List.of(snapshotReply(new JsonObject(), new JsonArray().add(entry("a/0", 0)), false));
    writeAnswer = r -> error(r, new JsonObject().put("code", "forbidden").put("message", "no"));
    assertThat(mirror()).isEqualTo(ExitCodes.ERROR_REPLY);
    assertThat(err())
        .contains("forbidden: no [refused by: the target (--to-url " + next.url() + "), key: a/0]");

    errBytes.reset();
    old.answer(
        r -> List.of(error(r, new JsonObject().put("code", "forbidden").put("message", "no"))));
    assertThat(mirror()).isEqualTo(ExitCodes.ERROR_REPLY);
    assertThat(err()).contains("forbidden: no [refused by: the source (--url " + old.url() + ")]");
  }

  @Test
  void thePruneDeletesOnlyTheVersionListedAndKeepsAKeyWrittenThereSince() {
    snapshotFrames = List.of(snapshotReply(new JsonObject(), new JsonArray(), false));
    listed =
        new JsonArray()
            .add(new JsonObject().put("key", "gone").put("value", 1).put("version", 2))
            .add(new JsonObject().put("key", "rewritten").put("value", 1).put("version", 3));
    writeAnswer =
        r -> {
          if (!"rewritten".equals(r.getString("key"))) {
            return ok(r, new JsonObject());
          }
          old.push(switchingOver()); // which ends the mirror once the prune is done
          return error(r, new JsonObject().put("code", "version_conflict").put("version", 4));
        };

    assertThat(mirror()).as(err()).isEqualTo(ExitCodes.OK);

    assertThat(err()).contains("removed there: 1]");
    assertThat(next.requests)
        .filteredOn(r -> "delete".equals(r.getString("op")))
        .extracting(r -> r.getString("key") + "@" + r.getLong("ifVersion"))
        .containsExactly("gone@2", "rewritten@3");
    assertThat(out())
        .containsExactlyInAnyOrder(
            new JsonObject().put("key", "gone").put("version", 0).put("deleted", true),
            new JsonObject()
                .put("key", "rewritten")
                .put("version", 0)
                .put("deleted", true)
                .put("left", true));
  }

  @Test
  void aSwitchOverDuringTheSnapshotStopsTheMirrorBeforeThePrune() {
    snapshotFrames =
        List.of(
            snapshotReply(new JsonObject(), new JsonArray().add(entry("a/0", 0)), true),
            switchingOver(),
            snapshotReply(new JsonObject(), new JsonArray().add(entry("a/1", 1)), false));
    listed =
        new JsonArray().add(new JsonObject().put("key", "x").put("value", 1).put("version", 1));

    assertThat(mirror()).as(err()).isEqualTo(ExitCodes.OK);

    assertThat(err()).contains("switched over");
    assertThat(written("set")).containsExactly("a/0", "a/1");
    assertThat(next.requests).as("no prune").noneMatch(r -> "list".equals(r.getString("op")));
    assertThat(written("delete")).isEmpty();
  }

  @Test
  void aDeploymentThatHasSwitchedOverIsNotMirrored() {
    old.answer(
        r ->
            List.of(
                snapshotReply(
                    r,
                    new JsonArray()
                        .add(
                            new JsonObject()
                                .put("key", Switchover.KEY)
                                .put("value", MOVED)
                                .put("version", 1)),
                    false)));

    assertThat(mirror()).isEqualTo(ExitCodes.ERROR_REPLY);

    assertThat(err()).contains("has switched over [url: wss://new.example/v1/ws]");
    assertThat(next.requests).isEmpty();
  }
}
