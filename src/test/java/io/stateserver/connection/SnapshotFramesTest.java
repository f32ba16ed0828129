package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.state.StoredEntry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotFramesTest {
  private static final int MAX_FRAME = 2048;
  private final List<Buffer> emitted = new ArrayList<>();

  private SnapshotFrames frames(Map<String, Long> known) {
    return new SnapshotFrames(7, "s1", known, MAX_FRAME, emitted::add);
  }

  private static StoredEntry live(String key, long version, int valueBytes) {
    return new StoredEntry(
        key, "\"" + "v".repeat(valueBytes) + "\"", version, false, 0, "w", null, null);
  }

  private static StoredEntry tombstone(String key, long version) {
    return new StoredEntry(key, null, version, true, 0, "w", null, null);
  }

  private static List<StoredEntry> chunk(String prefix, int count, int valueBytes) {
    List<StoredEntry> rows = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      rows.add(live(String.format("%s%03d", prefix, i), 1, valueBytes));
    }
    return rows;
  }

  private List<JsonObject> frames() {
    return emitted.stream().map(Buffer::toJsonObject).toList();
  }

  private List<String> entryKeys() {
    List<String> keys = new ArrayList<>();
    frames()
        .forEach(
            f ->
                f.getJsonArray("entries")
                    .forEach(e -> keys.add(((JsonObject) e).getString("key"))));
    return keys;
  }

  @Test
  void fullFramesLeaveAsTheRowsComeInAndOnlyTheLastSaysMoreFalse() {
    SnapshotFrames snapshot = frames(Map.of());
    snapshot.add(chunk("a/", 30, 200));
    int afterFirstChunk = emitted.size();
    assertThat(afterFirstChunk).as("frames filled by the first chunk left at once").isPositive();
    snapshot.add(chunk("b/", 30, 200));
    assertThat(emitted.size()).isGreaterThan(afterFirstChunk);
    snapshot.finish();

    List<JsonObject> frames = frames();
    for (int i = 0; i < frames.size(); i++) {
      JsonObject f = frames.get(i);
      assertThat(f.getValue("id")).isEqualTo(7);
      assertThat(f.getString("sub")).isEqualTo("s1");
      assertThat(f.getBoolean("more")).isEqualTo(i < frames.size() - 1);
      assertThat(emitted.get(i).length()).isLessThanOrEqualTo(MAX_FRAME);
    }
    assertThat(entryKeys()).hasSize(60).doesNotHaveDuplicates().isSorted();
  }

  @Test
  void anEmptySnapshotIsOneFrameWithMoreFalse() {
    SnapshotFrames snapshot = frames(Map.of());
    snapshot.add(List.of());
    snapshot.finish();
    assertThat(frames()).hasSize(1);
    assertThat(frames().get(0).getBoolean("more")).isFalse();
    assertThat(frames().get(0).getJsonArray("entries")).isEmpty();
    assertThat(frames().get(0).getJsonArray("removed")).isEmpty();
  }

  @Test
  void anEntryLargerThanAFrameGoesAlone() {
    SnapshotFrames snapshot = frames(Map.of());
    snapshot.add(List.of(live("a", 1, 10), live("b", 1, 5000), live("c", 1, 10)));
    snapshot.finish();
    assertThat(frames()).hasSize(3);
    assertThat(entryKeys()).containsExactly("a", "b", "c");
  }

  @Test
  void knownKeysAreSentOnlyWhenNewerAndThoseGoneAreRemovedInTheLastFrames() {
    SnapshotFrames snapshot =
        frames(Map.of("k/same", 3L, "k/older", 1L, "k/deleted", 2L, "k/never", 5L));
    SnapshotFrames.Given first =
        snapshot.add(List.of(live("k/deleted", 0, 1), live("k/new", 1, 10)).subList(1, 2));
    SnapshotFrames.Given second =
        snapshot.add(
            List.of(
                tombstone("k/deleted", 4),
                tombstone("k/gone-unknown", 9),
                live("k/older", 2, 10),
                live("k/same", 3, 10)));
    SnapshotFrames.Given last = snapshot.finish();

    assertThat(entryKeys()).containsExactly("k/new", "k/older");
    List<String> removed = new ArrayList<>();
    frames().forEach(f -> f.getJsonArray("removed").forEach(k -> removed.add((String) k)));
    assertThat(removed).containsExactlyInAnyOrder("k/deleted", "k/never");

    assertThat(first.versions()).isEqualTo(Map.of("k/new", 1L));
    // a known key held at its version is recorded; a deletion the client never heard of is not
    // announced; the deletion of a known key is given with the removed list, at the end
    assertThat(second.versions()).isEqualTo(Map.of("k/older", 2L, "k/same", 3L));
    assertThat(second.unannounced()).isEqualTo(Map.of("k/gone-unknown", 9L));
    assertThat(last.versions()).isEqualTo(Map.of("k/deleted", 4L));
    assertThat(last.unannounced()).isEmpty();
  }

  @Test
  void anAbortedSnapshotStillSendsEveryEntryItRecordedAsGiven() {
    SnapshotFrames snapshot = frames(Map.of());
    SnapshotFrames.Given given = snapshot.add(chunk("a/", 25, 200));
    snapshot.abort();
    assertThat(entryKeys()).containsExactlyInAnyOrderElementsOf(given.versions().keySet());
    assertThat(frames()).allSatisfy(f -> assertThat(f.getBoolean("more")).isTrue());
  }

  @Test
  void anAbortWithNothingBuiltSendsNothing() {
    SnapshotFrames snapshot = frames(Map.of());
    snapshot.abort();
    assertThat(emitted).isEmpty();
  }
}
