package io.stateserver.cli;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code mirror} still takes after the old deployment switched over: the change frames stamped
 * before the switch-over's own stamp, which on a cluster can arrive after it (changes of different
 * keys are ordered per key only). The stamps come from the clocks of the nodes that committed the
 * changes; one that a skewed clock puts on the wrong side is written only if the key there is still
 * as the mirror left it ({@link PipelinedWrites#late}), so it never overwrites what a device wrote
 * there after it moved.
 */
final class LateChanges {

  /** The frames after the switch-over, as {@code mirror} reads them. */
  @FunctionalInterface
  interface Frames {
    /** The next frame, waiting at most {@code wait}; null when none came. */
    JsonObject next(Duration wait) throws WireException;
  }

  private LateChanges() {}

  /**
   * Reads frames for {@code settle} (or until the connection ends) and keeps the late changes.
   *
   * @param switchover the change frame that set the switch-over
   * @return the newest late change of each key, in the order the keys first came
   */
  static Collection<JsonObject> read(Frames frames, JsonObject switchover, Duration settle) {
    long switchedAt = switchover.getLong("ts", Long.MIN_VALUE);
    Map<String, JsonObject> newest = new LinkedHashMap<>();
    long deadline = System.nanoTime() + settle.toNanos();
    for (long left = settle.toNanos(); left > 0; left = deadline - System.nanoTime()) {
      JsonObject frame;
      try {
        frame = frames.next(Duration.ofNanos(left));
      } catch (WireException ended) {
        break; // what was read by then still goes
      }
      if (frame != null && committedBefore(frame, switchedAt)) {
        // one key's changes arrive in version order, so the last one read is the newest
        newest.put(frame.getString("key"), frame);
      }
    }
    return newest.values();
  }

  /** Whether a frame is a change of a client key stamped before {@code switchedAt}. */
  static boolean committedBefore(JsonObject frame, long switchedAt) {
    return "change".equals(frame.getString("type"))
        && !frame.getString("key", "$").startsWith("$")
        && frame.getValue("ts") instanceof Number ts
        && ts.longValue() < switchedAt;
  }
}
