package io.stateserver.connection;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The bounded outbound queue of one connection, holding pre-encoded frames until the socket can
 * take them.
 *
 * <p>Replies are kept in order and never dropped; their number is bounded by {@code
 * maxPendingReplies}, and a full queue refuses a reply so that the caller stops reading requests
 * from that client. Change frames conflate: a newer change of a key replaces the pending one in
 * place, so a slow reader holds at most one frame per key it follows and skips intermediate
 * versions, which the protocol allows. Frames leave in order of first arrival.
 *
 * <p>Except across a reply: once a reply was queued after a key's pending change, a newer change of
 * that key drops the pending one and goes to the end instead of taking its place. Why: the reply
 * may be a {@code sub} snapshot holding the key at a version between the two, and the newer change
 * taking the old place would reach the client before that snapshot, which would then show the
 * client an older version after a newer one.
 *
 * <p>The queue compares versions only with the pending change of the same key; versions already
 * sent are not remembered (that would grow without bound), so callers offer each key's changes in
 * increasing version order, as the state layer produces them.
 *
 * <p>Every operation is O(1): an {@link ArrayDeque} keeps the order, a {@link HashMap} finds the
 * pending change of a key. Not thread-safe: it belongs to the connection's event loop.
 */
public final class ConflatingQueue {
  private static final int MIN_SWEEP = 32;
  private final int maxPendingReplies;
  // Buffer (reply) or PendingChange. Tiny at first: most devices' queues stay empty for days, and
  // the default 17 slots would cost every idle connection 64 bytes more.
  private final ArrayDeque<Object> order = new ArrayDeque<>(1);
  // every change passes through here, so a connection that was ever sent one keeps the table: two
  // buckets, not sixteen, since changes wait here only while the socket is not writable
  private final Map<String, PendingChange> changesByKey = new HashMap<>(2);
  private int pendingReplies;
  // replies ever queued: a change may take a pending change's place only if none came after it
  private long repliesQueued;
  // changes dropped where they stand, still in the deque until polled or swept out
  private int dead;
  private long pendingBytes;

  /**
   * @param maxPendingReplies how many replies may wait at once, at least 1
   */
  public ConflatingQueue(int maxPendingReplies) {
    if (maxPendingReplies < 1) {
      throw new IllegalArgumentException("maxPendingReplies must be at least 1");
    }
    this.maxPendingReplies = maxPendingReplies;
  }

  /**
   * Queues a frame that must not be dropped (a reply, an error, a goaway).
   *
   * @return false, without queueing it, when {@code maxPendingReplies} replies already wait
   */
  public boolean offerReply(Buffer frame) {
    if (pendingReplies >= maxPendingReplies) {
      return false;
    }
    order.addLast(frame);
    pendingReplies++;
    repliesQueued++;
    pendingBytes += frame.length();
    return true;
  }

  /**
   * Queues the change frame of {@code key} at {@code version}. A pending change of the same key is
   * replaced when {@code version} is higher, keeping its place in the queue unless a reply was
   * queued after it (then the replacement goes to the end); otherwise this frame is dropped.
   */
  public void offerChange(String key, long version, Buffer frame) {
    PendingChange pending = changesByKey.get(key);
    if (pending == null) {
      append(key, version, frame);
    } else if (version > pending.version) {
      if (pending.repliesBefore == repliesQueued) {
        pendingBytes += frame.length() - pending.frame.length();
        pending.version = version;
        pending.frame = frame;
      } else {
        // dropped where it stands (poll skips it): nothing may overtake the reply behind it
        pendingBytes -= pending.frame.length();
        pending.frame = null;
        append(key, version, frame);
        dead++;
        // A reader that stalls while it keeps sending requests would leave one dead entry per
        // key per reply: once they are half the deque, sweep them out (amortised O(1)).
        if (dead > MIN_SWEEP && dead > order.size() / 2) {
          order.removeIf(e -> e instanceof PendingChange c && c.frame == null);
          dead = 0;
        }
      }
    }
  }

  private void append(String key, long version, Buffer frame) {
    PendingChange change = new PendingChange(key, version, frame, repliesQueued);
    changesByKey.put(key, change);
    order.addLast(change);
    pendingBytes += frame.length();
  }

  /** The next frame in order of first arrival, or null when the queue is empty. */
  public Buffer poll() {
    Object next = order.pollFirst();
    while (next instanceof PendingChange change && change.frame == null) {
      dead--;
      next = order.pollFirst(); // a change dropped for a newer one behind a reply
    }
    if (next == null) {
      return null;
    }
    Buffer frame;
    if (next instanceof PendingChange change) {
      changesByKey.remove(change.key);
      frame = change.frame;
    } else {
      pendingReplies--;
      frame = (Buffer) next;
    }
    pendingBytes -= frame.length();
    return frame;
  }

  /** Entries held, dropped changes not yet swept out included (tests). */
  int size() {
    return order.size();
  }

  public boolean isEmpty() {
    return pendingReplies == 0 && changesByKey.isEmpty();
  }

  public int pendingReplies() {
    return pendingReplies;
  }

  public int pendingChanges() {
    return changesByKey.size();
  }

  /** The bytes of all frames waiting, replies and changes. */
  public long pendingBytes() {
    return pendingBytes;
  }

  public int maxPendingReplies() {
    return maxPendingReplies;
  }

  /**
   * A change waiting to be sent; mutable so that a newer version takes over its place. A null frame
   * marks one dropped where it stands.
   */
  private static final class PendingChange {
    final String key;
    final long repliesBefore;
    long version;
    Buffer frame;

    PendingChange(String key, long version, Buffer frame, long repliesBefore) {
      this.key = key;
      this.version = version;
      this.frame = frame;
      this.repliesBefore = repliesBefore;
    }
  }
}
