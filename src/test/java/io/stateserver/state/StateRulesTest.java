package io.stateserver.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class StateRulesTest {
  private static final int MAX = 100;
  private static final long NOW = 1_000_000;

  private static StoredEntry existing(String value, long version) {
    return new StoredEntry("k", value, version, false, 1, "alice", null, null);
  }

  private static StoredEntry tombstone(long version) {
    return new StoredEntry("k", null, version, true, 1, "alice", null, null);
  }

  private static WriteCommand.Set set(String value, Long ifVersion) {
    return new WriteCommand.Set("k", value, ifVersion, false, null, "bob", "s1");
  }

  private static ErrorCode codeOf(Runnable r) {
    try {
      r.run();
    } catch (StateException e) {
      return e.code();
    }
    throw new AssertionError("no StateException");
  }

  @Test
  void setOfAbsentKeyCreatesVersionOne() {
    StateRules.Applied a = StateRules.apply(StoredEntry.absent("k"), set("1", null), NOW, MAX);
    assertThat(a.next()).isEqualTo(new StoredEntry("k", "1", 1, false, NOW, "bob", null, null));
    assertThat(a.change()).isEqualTo(new ChangeEvent("k", 1, "1", false, NOW, "bob"));
  }

  @Test
  void setKeepsTheClientsBytes() {
    String value = "{ \"b\" : 1,\"a\":2 }";
    assertThat(StateRules.apply(existing("1", 4), set(value, null), NOW, MAX).next().valueJson())
        .isEqualTo(value);
  }

  @Test
  void setAfterDeleteContinuesTheVersion() {
    StateRules.Applied a = StateRules.apply(tombstone(7), set("1", null), NOW, MAX);
    assertThat(a.next().version()).isEqualTo(8);
    assertThat(a.next().exists()).isTrue();
  }

  @Test
  void ifVersionZeroSucceedsOnlyWhenTheKeyDoesNotExist() {
    assertThat(StateRules.apply(tombstone(3), set("1", 0L), NOW, MAX).next().version())
        .isEqualTo(4);
    assertThatThrownBy(() -> StateRules.apply(existing("1", 3), set("2", 0L), NOW, MAX))
        .isInstanceOfSatisfying(
            StateException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.VERSION_CONFLICT);
              assertThat(e.details().getLong("version")).isEqualTo(3);
            });
  }

  @Test
  void ifVersionMustMatchTheExistingVersion() {
    assertThat(StateRules.apply(existing("1", 3), set("2", 3L), NOW, MAX).next().version())
        .isEqualTo(4);
    assertThat(codeOf(() -> StateRules.apply(existing("1", 3), set("2", 2L), NOW, MAX)))
        .isEqualTo(ErrorCode.VERSION_CONFLICT);
  }

  @Test
  void conflictOnADeletedKeyReportsVersionZero() {
    assertThatThrownBy(() -> StateRules.apply(tombstone(5), set("2", 5L), NOW, MAX))
        .isInstanceOfSatisfying(
            StateException.class, e -> assertThat(e.details().getLong("version")).isZero());
  }

  @Test
  void setRejectsInvalidJsonAndOversizedValues() {
    assertThat(codeOf(() -> StateRules.apply(StoredEntry.absent("k"), set("{", null), NOW, MAX)))
        .isEqualTo(ErrorCode.BAD_REQUEST);
    String big = "\"" + "x".repeat(MAX) + "\"";
    assertThat(codeOf(() -> StateRules.apply(StoredEntry.absent("k"), set(big, null), NOW, MAX)))
        .isEqualTo(ErrorCode.TOO_LARGE);
  }

  @Test
  void setRejectsTextThatIsNotExactlyOneJsonValue() {
    for (String bad : new String[] {"", "  ", "1 2", "{} x", "[1]]", "{'a':1}"}) {
      assertThat(codeOf(() -> StateRules.apply(StoredEntry.absent("k"), set(bad, null), NOW, MAX)))
          .as(bad)
          .isEqualTo(ErrorCode.BAD_REQUEST);
    }
  }

  @Test
  void sizeIsCountedInUtf8Bytes() {
    // 40 characters of 3 bytes each: 42 chars, 122 bytes.
    String value = "\"" + "€".repeat(40) + "\"";
    assertThat(codeOf(() -> StateRules.apply(StoredEntry.absent("k"), set(value, null), NOW, MAX)))
        .isEqualTo(ErrorCode.TOO_LARGE);
    String fits = "\"" + "€".repeat(32) + "\"";
    assertThat(StateRules.apply(StoredEntry.absent("k"), set(fits, null), NOW, MAX).next())
        .isNotNull();
  }

  @Test
  void ephemeralSetTiesTheKeyToTheSessionAndAPlainSetUnties() {
    WriteCommand.Set eph = new WriteCommand.Set("k", "1", null, true, null, "bob", "s1");
    StoredEntry owned = StateRules.apply(StoredEntry.absent("k"), eph, NOW, MAX).next();
    assertThat(owned.ownerSession()).isEqualTo("s1");
    assertThat(StateRules.apply(owned, set("2", null), NOW, MAX).next().ownerSession()).isNull();
  }

  @Test
  void aTtlTooLargeToAddToNowMeansNeverNotAnExpiryInThePast() {
    WriteCommand.Set huge =
        new WriteCommand.Set("k", "1", null, false, Long.MAX_VALUE, "bob", "s1");
    StoredEntry entry = StateRules.apply(StoredEntry.absent("k"), huge, NOW, MAX).next();
    assertThat(entry.expiresAt()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void ttlSetsExpiryAndASetWithoutTtlClearsIt() {
    WriteCommand.Set ttl = new WriteCommand.Set("k", "1", null, false, 500L, "bob", "s1");
    StoredEntry expiring = StateRules.apply(StoredEntry.absent("k"), ttl, NOW, MAX).next();
    assertThat(expiring.expiresAt()).isEqualTo(NOW + 500);
    assertThat(StateRules.apply(expiring, set("2", null), NOW, MAX).next().expiresAt()).isNull();
  }

  @Test
  void patchMergesIntoTheCurrentValueEndsTheExpiryAndKeepsTheOwner() {
    StoredEntry current =
        new StoredEntry("k", "{\"a\":1,\"b\":2}", 2, false, 1, "alice", NOW + 10, "s1");
    WriteCommand.Patch patch = new WriteCommand.Patch("k", "{\"b\":null,\"c\":3}", 2L, "bob");
    StateRules.Applied a = StateRules.apply(current, patch, NOW, MAX);
    assertThat(new JsonObject(a.next().valueJson()))
        .isEqualTo(new JsonObject().put("a", 1).put("c", 3));
    assertThat(a.next().version()).isEqualTo(3);
    assertThat(a.next().expiresAt()).as("written again: no longer expires").isNull();
    assertThat(a.next().ownerSession()).isEqualTo("s1");
    assertThat(a.change().valueJson()).isEqualTo(a.next().valueJson());
  }

  @Test
  void patchOfAbsentKeyAppliesToAnEmptyObject() {
    WriteCommand.Patch patch =
        new WriteCommand.Patch("k", "{\"a\":{\"b\":null,\"c\":1}}", null, "bob");
    StateRules.Applied a = StateRules.apply(tombstone(4), patch, NOW, MAX);
    assertThat(new JsonObject(a.next().valueJson()))
        .isEqualTo(new JsonObject().put("a", new JsonObject().put("c", 1)));
    assertThat(a.next().version()).isEqualTo(5);
  }

  @Test
  void patchRejectsInvalidJsonAndAnOversizedMergedValue() {
    assertThat(
            codeOf(
                () ->
                    StateRules.apply(
                        existing("{}", 1),
                        new WriteCommand.Patch("k", "nope", null, "b"),
                        NOW,
                        MAX)))
        .isEqualTo(ErrorCode.BAD_REQUEST);
    String half = "x".repeat(MAX / 2);
    StoredEntry current = existing("{\"a\":\"" + half + "\"}", 1);
    WriteCommand.Patch grow = new WriteCommand.Patch("k", "{\"b\":\"" + half + "\"}", null, "b");
    assertThat(codeOf(() -> StateRules.apply(current, grow, NOW, MAX)))
        .isEqualTo(ErrorCode.TOO_LARGE);
  }

  @Test
  void deleteLeavesATombstoneWithTheNextVersion() {
    StateRules.Applied a =
        StateRules.apply(existing("1", 3), new WriteCommand.Delete("k", 3L, "bob"), NOW, MAX);
    assertThat(a.next()).isEqualTo(new StoredEntry("k", null, 4, true, NOW, "bob", null, null));
    assertThat(a.change()).isEqualTo(new ChangeEvent("k", 4, null, true, NOW, "bob"));
  }

  @Test
  void deleteOfAMissingKeyIsNotFoundAndAWrongVersionIsAConflict() {
    assertThat(
            codeOf(
                () ->
                    StateRules.apply(
                        tombstone(3), new WriteCommand.Delete("k", null, "b"), NOW, MAX)))
        .isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(
            codeOf(
                () ->
                    StateRules.apply(
                        existing("1", 3), new WriteCommand.Delete("k", 2L, "b"), NOW, MAX)))
        .isEqualTo(ErrorCode.VERSION_CONFLICT);
  }

  @Test
  void expireDeletesOnlyAKeyThatIsStillDue() {
    StoredEntry due = new StoredEntry("k", "1", 2, false, 1, "bob", NOW - 1, null);
    StateRules.Applied a = StateRules.apply(due, new WriteCommand.Expire("k", NOW), NOW, MAX);
    assertThat(a.next().deleted()).isTrue();
    assertThat(a.change()).isEqualTo(new ChangeEvent("k", 3, null, true, NOW, "$server"));

    StoredEntry rewritten = new StoredEntry("k", "1", 3, false, 1, "bob", NOW + 1000, null);
    assertThat(StateRules.apply(rewritten, new WriteCommand.Expire("k", NOW), NOW, MAX).change())
        .isNull();
    assertThat(StateRules.apply(existing("1", 3), new WriteCommand.Expire("k", NOW), NOW, MAX))
        .isEqualTo(new StateRules.Applied(existing("1", 3), null));
    assertThat(StateRules.apply(tombstone(3), new WriteCommand.Expire("k", NOW), NOW, MAX).change())
        .isNull();
  }

  @Test
  void endEphemeralDeletesOnlyAKeyStillOwnedByTheSession() {
    StoredEntry owned = new StoredEntry("k", "1", 2, false, 1, "bob", null, "s1");
    StateRules.Applied a =
        StateRules.apply(owned, new WriteCommand.EndEphemeral("k", "s1"), NOW, MAX);
    assertThat(a.change()).isEqualTo(new ChangeEvent("k", 3, null, true, NOW, "$server"));
    assertThat(StateRules.apply(owned, new WriteCommand.EndEphemeral("k", "s2"), NOW, MAX).change())
        .isNull();
    assertThat(
            StateRules.apply(tombstone(3), new WriteCommand.EndEphemeral("k", "s1"), NOW, MAX)
                .change())
        .isNull();
  }

  @Test
  void presenceWritesTheValueAsTheServer() {
    StateRules.Applied a = StateRules.applyPresence(tombstone(2), "{\"online\":true}", NOW);
    assertThat(a.next())
        .isEqualTo(new StoredEntry("k", "{\"online\":true}", 3, false, NOW, "$server", null, null));
    assertThat(a.change().by()).isEqualTo("$server");
  }

  @Test
  void refreshPresenceIsNotAcceptedByApply() {
    assertThatThrownBy(
            () ->
                StateRules.apply(
                    StoredEntry.absent("k"), new WriteCommand.RefreshPresence("k", "c"), NOW, MAX))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
