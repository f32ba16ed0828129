package io.stateserver.cli;

import io.stateserver.state.StateRules;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@code mirror} still takes after the old deployment switched over:
 *
 * <ul>
 *   <li>the changes stamped before the switch-over's own stamp, which on a cluster can arrive after
 *       it (changes of different keys are ordered per key only);
 *   <li>the changes a client made after it, in the moment before its goaway reached it: the client
 *       was told they are stored.
 * </ul>
 *
 * <p>Not the server's own changes after it: deleting the ephemeral keys of the devices' old
 * sessions as they end, and the expiries, belong to the old deployment. The stamps come from the
 * clocks of the nodes that committed the changes, so skew can put one on the wrong side; each is
 * written only if the key there is still as the mirror left it ({@link PipelinedWrites#late}), so
 * none overwrites what a device wrote there after it moved.
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
      if (frame != null && carried(frame, switchedAt)) {
        // one key's changes arrive in version order, so the last one read is the newest
        newest.put(frame.getString("key"), frame);
      }
    }
    return newest.values();
  }

  /**
   * Whether a frame is a change of a client key that was stamped before {@code switchedAt} or that
   * a client made.
   */
  static boolean carried(JsonObject frame, long switchedAt) {
    if (!"change".equals(frame.getString("type"))
        || frame.getString("key", "$").startsWith("$")
        || !(frame.getValue("ts") instanceof Number ts)) {
      return false;
    }
    return ts.longValue() < switchedAt || !StateRules.SERVER.equals(frame.getString("by"));
  }
}
