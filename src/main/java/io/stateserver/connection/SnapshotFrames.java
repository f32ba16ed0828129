package io.stateserver.connection;

import io.stateserver.protocol.Frames;
import io.stateserver.state.StoredEntry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Builds the reply frames of a {@code sub} as its rows are read, chunk by chunk: the snapshot
 * entries (minus what the client already {@code known}s), then the {@code removed} keys, split so
 * that no frame exceeds {@code maxFrameBytes}; every frame but the last says {@code "more": true}.
 * A frame is emitted as soon as it is full, so a snapshot of any size holds one frame here.
 */
final class SnapshotFrames {
  private static final int FRAME_OVERHEAD = 160;

  /**
   * What a reply frame may hold in entries: {@code maxFrameBytes} less the frame's own fields, and
   * the request id as it is encoded (its UTF-8 bytes and escapes, not its characters), at least 1.
   */
  static int entryBudget(Object id, int maxFrameBytes, int overhead) {
    int idBytes = Json.encode(id).getBytes(StandardCharsets.UTF_8).length;
    return Math.max(1, maxFrameBytes - overhead - idBytes);
  }

  /**
   * What the client was given, for {@link Subscriptions#recordSnapshot}.
   *
   * @param versions the keys the client was told about (entries, {@code removed}) or holds at that
   *     version ({@code known}), with their versions
   * @param unannounced the deleted keys the snapshot found and did not tell the client about, with
   *     the deletions' versions
   */
  record Given(Map<String, Long> versions, Map<String, Long> unannounced) {}

  private final Object id;
  private final String subId;
  private final Map<String, Long> known;
  private final int budget;
  private final Consumer<Buffer> emit;
  private final StringBuilder entries = new StringBuilder();
  private final StringBuilder removed = new StringBuilder();
  private int used;
  private int emitted;
  // the known keys found live; the others are "removed", told (and recorded) in the last frame
  private final Set<String> liveKnown = new HashSet<>();
  private final Map<String, Long> knownDeleted = new HashMap<>();

  /**
   * @param emit takes each frame once it is full, in order
   */
  SnapshotFrames(
      Object id, String subId, Map<String, Long> known, int maxFrameBytes, Consumer<Buffer> emit) {
    this.id = id;
    this.subId = subId;
    this.known = known;
    this.budget = entryBudget(id, maxFrameBytes, FRAME_OVERHEAD);
    this.emit = emit;
  }

  /**
   * Adds the next rows read (tombstones included, in key order after the rows added before) and
   * emits the frames they fill.
   *
   * @return what these rows give the client (the rows of the frame still being filled included: it
   *     goes out with {@link #finish} or {@link #abort}, whatever happens)
   */
  Given add(List<StoredEntry> rows) {
    Map<String, Long> versions = new HashMap<>();
    Map<String, Long> unannounced = new HashMap<>();
    for (StoredEntry row : rows) {
      Long knownVersion = known.get(row.key());
      if (!row.exists()) {
        if (knownVersion != null) {
          knownDeleted.put(row.key(), row.version());
        } else {
          unannounced.put(row.key(), row.version());
        }
        continue;
      }
      versions.put(row.key(), row.version());
      if (knownVersion == null) {
        append(entries, Frames.entry(row));
      } else {
        liveKnown.add(row.key());
        if (row.version() > knownVersion) {
          append(entries, Frames.entry(row));
        }
      }
    }
    return new Given(versions, unannounced);
  }

  /**
   * Emits the {@code removed} keys and the last frame ({@code "more": false}).
   *
   * @return what the {@code removed} list gives the client: the deletions of known keys found
   */
  Given finish() {
    for (String key : known.keySet()) {
      if (!liveKnown.contains(key)) {
        append(removed, Json.encode(key));
      }
    }
    send(false);
    return new Given(knownDeleted, Map.of());
  }

  /** How many frames went out so far. */
  int emitted() {
    return emitted;
  }

  /**
   * The read failed part way: emits the frame being filled (entries recorded as given must reach
   * the client), to be followed by the error.
   */
  void abort() {
    if (entries.length() > 0 || removed.length() > 0) {
      send(true);
    }
  }

  private void append(StringBuilder target, String item) {
    int size = item.getBytes(StandardCharsets.UTF_8).length + 1;
    if ((entries.length() > 0 || removed.length() > 0) && used + size > budget) {
      send(true);
    }
    if (target.length() > 0) {
      target.append(',');
    }
    target.append(item);
    used += size;
  }

  /** Emits the frame built so far and starts the next. */
  private void send(boolean more) {
    Buffer frame = frame(more);
    entries.setLength(0);
    removed.setLength(0);
    used = 0;
    emitted++;
    emit.accept(frame);
  }

  private Buffer frame(boolean more) {
    return Frames.okWithRaw(
        id,
        new JsonObject().put("sub", subId).put("more", more),
        "entries",
        "[" + entries + "]",
        "removed",
        "[" + removed + "]");
  }
}
