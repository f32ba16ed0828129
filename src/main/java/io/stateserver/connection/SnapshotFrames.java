package io.stateserver.connection;

import io.stateserver.protocol.Frames;
import io.stateserver.state.StoredEntry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the reply frames of a {@code sub}: the snapshot entries (minus what the client already
 * {@code known}s) and the {@code removed} keys, split so that no frame exceeds {@code
 * maxFrameBytes}; every frame but the last says {@code "more": true}.
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

  private SnapshotFrames() {}

  /**
   * @param frames the reply frames, in order
   * @param versions the keys the client was told about (entries, {@code removed}) or holds at that
   *     version ({@code known}), with their versions
   * @param unannounced the deleted keys the snapshot found and did not tell the client about, with
   *     the deletions' versions
   */
  record Result(List<Buffer> frames, Map<String, Long> versions, Map<String, Long> unannounced) {}

  static Result build(
      Object id, String subId, List<StoredEntry> rows, Map<String, Long> known, int maxFrameBytes) {
    Map<String, Long> versions = new HashMap<>();
    Map<String, Long> unannounced = new HashMap<>();
    List<String> entries = new ArrayList<>();
    Map<String, Boolean> live = new HashMap<>();
    for (StoredEntry row : rows) {
      live.put(row.key(), row.exists());
      if (!row.exists()) {
        (known.containsKey(row.key()) ? versions : unannounced).put(row.key(), row.version());
        continue;
      }
      versions.put(row.key(), row.version());
      Long knownVersion = known.get(row.key());
      if (knownVersion == null || row.version() > knownVersion) {
        entries.add(Frames.entry(row));
      }
    }
    List<String> removed = new ArrayList<>();
    for (String key : known.keySet()) {
      if (!live.getOrDefault(key, false)) {
        removed.add(Json.encode(key));
      }
    }
    return new Result(split(id, subId, entries, removed, maxFrameBytes), versions, unannounced);
  }

  private static List<Buffer> split(
      Object id, String subId, List<String> entries, List<String> removed, int maxFrameBytes) {
    int budget = entryBudget(id, maxFrameBytes, FRAME_OVERHEAD);
    List<Buffer> frames = new ArrayList<>();
    StringBuilder e = new StringBuilder();
    StringBuilder r = new StringBuilder();
    int used = 0;
    int ei = 0;
    int ri = 0;
    while (ei < entries.size() || ri < removed.size()) {
      String next = ei < entries.size() ? entries.get(ei) : removed.get(ri);
      int size = next.getBytes(StandardCharsets.UTF_8).length + 1;
      boolean empty = e.length() == 0 && r.length() == 0;
      if (!empty && used + size > budget) {
        frames.add(frame(id, subId, e, r, true));
        e.setLength(0);
        r.setLength(0);
        used = 0;
      }
      StringBuilder target = ei < entries.size() ? e : r;
      if (target.length() > 0) {
        target.append(',');
      }
      target.append(next);
      used += size;
      if (ei < entries.size()) {
        ei++;
      } else {
        ri++;
      }
    }
    frames.add(frame(id, subId, e, r, false));
    return frames;
  }

  private static Buffer frame(
      Object id, String subId, CharSequence entries, CharSequence removed, boolean more) {
    return Frames.okWithRaw(
        id,
        new JsonObject().put("sub", subId).put("more", more),
        "entries",
        "[" + entries + "]",
        "removed",
        "[" + removed + "]");
  }
}
