package io.stateserver.cli;

import io.stateserver.state.StateRules;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code mirror} still takes after the old deployment switched over:
 *
 * <ul>
 *   <li>the changes stamped no later than the switch-over, which on a cluster can arrive after it
 *       (changes of different keys are ordered per key only);
 *   <li>the changes a client made after it, in the moment before its goaway reached it: the client
 *       was told they are stored.
 * </ul>
 *
 * <p>Not the server's own changes after it: deleting the ephemeral keys of the devices' old
 * sessions as they end, and the expiries, belong to the old deployment. The stamps come from the
 * clocks of the nodes that committed the changes, so skew can put one on the wrong side; each is
 * written only if the key there is still as the mirror left it ({@link PipelinedWrites#change}), so
 * none overwrites what a device wrote there after it moved.
 */
final class LateChanges {
  /** How long the connection may be quiet before what was read so far is written. */
  private static final Duration QUIET = Duration.ofMillis(200);

  /** Changes written together at most (one per key). */
  private static final int BATCH = 1_000;

  /** The frames after the switch-over, as {@code mirror} reads them. */
  @FunctionalInterface
  interface Frames {
    /** The next frame, waiting at most {@code wait}; null when none came. */
    JsonObject next(Duration wait) throws WireException;
  }

  /** Writes late changes there, one per key, and waits for them. */
  @FunctionalInterface
  interface Writes {
    void write(Collection<JsonObject> changes) throws WireException, ErrorReply;
  }

  private LateChanges() {}

  /**
   * Reads frames for {@code settle} (or until the connection here ends) and writes the late changes
   * as they come: whatever was read when the connection goes quiet, the newest per key.
   *
   * @param switchover the change frame that set the switch-over
   */
  static void follow(Frames frames, JsonObject switchover, Duration settle, Writes writes)
      throws WireException, ErrorReply {
    long switchedAt = switchover.getLong("ts", Long.MIN_VALUE);
    Map<String, JsonObject> newest = new LinkedHashMap<>();
    long deadline = System.nanoTime() + settle.toNanos();
    boolean ended = false;
    for (long left = settle.toNanos(); left > 0 && !ended; left = deadline - System.nanoTime()) {
      JsonObject frame = null;
      try {
        frame = frames.next(Duration.ofNanos(Math.min(left, QUIET.toNanos())));
      } catch (WireException e) {
        ended = true; // what was read by then still goes
      }
      if (frame != null && carried(frame, switchedAt)) {
        // one key's changes arrive in version order, so the last one read is the newest
        newest.put(frame.getString("key"), frame);
      }
      if (!newest.isEmpty() && (frame == null || newest.size() >= BATCH)) {
        writes.write(List.copyOf(newest.values()));
        newest.clear();
      }
    }
    if (!newest.isEmpty()) {
      writes.write(List.copyOf(newest.values()));
    }
  }

  /**
   * Whether a frame is a change of a client key stamped no later than {@code switchedAt} (all the
   * changes of one group commit share a stamp, taken as its transaction starts), or one that a
   * client made.
   */
  static boolean carried(JsonObject frame, long switchedAt) {
    if (!"change".equals(frame.getString("type"))
        || frame.getString("key", "$").startsWith("$")
        || !(frame.getValue("ts") instanceof Number ts)) {
      return false;
    }
    // <=: a change in the switch-over's own group commit has its stamp
    return ts.longValue() <= switchedAt || !StateRules.SERVER.equals(frame.getString("by"));
  }
}
