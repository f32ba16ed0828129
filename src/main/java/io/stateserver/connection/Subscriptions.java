package io.stateserver.connection;

import io.stateserver.protocol.KeyPattern;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The subscriptions of one connection and the per-key version filter that makes its guarantees hold
 * (PROTOCOL.md section 3): a change is delivered only if its version is above everything this
 * connection has already been given for that key (snapshot or change), so versions only go up and
 * nothing arrives twice; changes for keys of a subscription whose snapshot is still being read are
 * held (newest per key) and released after the snapshot frames.
 */
final class Subscriptions {

  /** One subscription; {@code active} once its snapshot has been emitted. */
  static final class Sub {
    private final String id;
    private final KeyPattern pattern;
    private boolean active;
    private boolean removed;

    private Sub(String id, KeyPattern pattern) {
      this.id = id;
      this.pattern = pattern;
    }

    String id() {
      return id;
    }

    KeyPattern pattern() {
      return pattern;
    }
  }

  private final SubscriptionIndex<ClientConnection> index;
  private final ClientConnection owner;
  // The maps start with two buckets instead of sixteen: a device typically holds one
  // subscription to one key for days, and every idle connection would pay for the empty buckets.
  private final Map<String, Sub> byId = new LinkedHashMap<>(2);
  // The last version given per key; a one-element array so that a delivery updates it in place
  // with a single hash lookup (this runs once per subscriber per change).
  private final Map<String, long[]> lastSent = new HashMap<>(2);
  // only while a snapshot is pending, so an idle connection keeps no map for it
  private Map<String, EncodedChange> held;
  private int pending;
  private long nextId;

  Subscriptions(SubscriptionIndex<ClientConnection> index, ClientConnection owner) {
    this.index = index;
    this.owner = owner;
  }

  /** The subscriptions the client holds (not one unsubscribed whose snapshot is still sent). */
  int count() {
    int n = 0;
    for (Sub sub : byId.values()) {
      n += sub.removed ? 0 : 1;
    }
    return n;
  }

  /**
   * The subscriptions' ids and patterns, in the order they were made; one unsubscribed whose
   * snapshot is still being sent too (its frames still go out).
   */
  Map<String, KeyPattern> patterns() {
    Map<String, KeyPattern> patterns = new LinkedHashMap<>();
    byId.values().forEach(sub -> patterns.put(sub.id, sub.pattern));
    return patterns;
  }

  /** Registers a subscription whose snapshot is about to be read. */
  Sub addPending(KeyPattern pattern) {
    Sub sub = new Sub("s" + (++nextId), pattern);
    byId.put(sub.id, sub);
    index.add(pattern, owner); // the index counts two subscriptions to one pattern as two
    pending++;
    return sub;
  }

  /**
   * Remembers the versions a snapshot gave the client as delivered, and the deletions it found but
   * did not tell the client about ({@code unannounced}) only for keys this connection was never
   * given: there the deletion's change is rightly dropped (the client never held the key). A key it
   * was given, live, through another subscription must still get its deletion: recording it here
   * would drop that change, held or still on its way, and leave the client holding the key.
   */
  void recordSnapshot(Map<String, Long> versions, Map<String, Long> unannounced) {
    versions.forEach((key, version) -> recordSent(key, lastSent.get(key), version));
    unannounced.forEach((key, version) -> lastSent.computeIfAbsent(key, k -> new long[] {version}));
  }

  /**
   * The snapshot frames went out: start streaming this subscription's changes, or, if it was
   * unsubscribed meanwhile, let it go now.
   */
  void activate(Sub sub) {
    if (sub.active || byId.get(sub.id) != sub) {
      return;
    }
    if (sub.removed) {
      forget(sub);
      return;
    }
    sub.active = true;
    pending--;
    releaseHeld();
  }

  /**
   * Unsubscribes. A subscription whose snapshot is still being sent (its id reaches the client in
   * the first frame) keeps holding changes until the last frame is out ({@link #activate}): let go
   * now, a change of one of its keys that another subscription follows would overtake the snapshot
   * frames still to come, which may hold an older version of it.
   *
   * @return false when there is no such subscription (or it was unsubscribed already)
   */
  boolean remove(String id) {
    Sub sub = byId.get(id);
    if (sub == null || sub.removed) {
      return false;
    }
    sub.removed = true;
    if (sub.active) {
      forget(sub);
    }
    return true;
  }

  /** Its snapshot failed: the subscription goes at once, unsubscribed or not. */
  void abandon(Sub sub) {
    if (byId.get(sub.id) == sub && !sub.active) {
      sub.removed = true;
      forget(sub);
    }
  }

  private void forget(Sub sub) {
    byId.remove(sub.id);
    if (!sub.active) {
      pending--;
    }
    index.remove(sub.pattern, owner);
    // Forget versions of keys no subscription follows any more, so memory follows subscriptions.
    lastSent.keySet().removeIf(key -> !matchesAny(key, false));
    if (held != null) {
      held.keySet().removeIf(key -> !matchesAny(key, false));
    }
    releaseHeld();
  }

  void clear() {
    byId.values().forEach(sub -> index.remove(sub.pattern, owner));
    byId.clear();
    lastSent.clear();
    held = null;
    pending = 0;
  }

  /**
   * Decides about a change the index routed here: true to send it now; false when it is old, held
   * for a pending snapshot, or followed by no subscription.
   */
  boolean accept(EncodedChange change) {
    String key = change.key();
    long[] last = lastSent.get(key);
    if (last != null && change.version() <= last[0]) {
      return false;
    }
    if (pending > 0 && matchesPending(key)) {
      if (held == null) {
        held = new LinkedHashMap<>(2);
      }
      held.merge(key, change, (a, b) -> b.version() > a.version() ? b : a);
      return false;
    }
    if (pending > 0 && !matchesAny(key, true)) {
      return false;
    }
    recordSent(key, last, change.version());
    return true;
  }

  private void recordSent(String key, long[] last, long version) {
    if (last == null) {
      lastSent.put(key, new long[] {version});
    } else if (version > last[0]) {
      last[0] = version;
    }
  }

  private void releaseHeld() {
    if (held == null) {
      return;
    }
    for (Iterator<EncodedChange> it = held.values().iterator(); it.hasNext(); ) {
      EncodedChange change = it.next();
      if (pending > 0 && matchesPending(change.key())) {
        continue;
      }
      it.remove();
      long[] last = lastSent.get(change.key());
      if ((last == null || change.version() > last[0]) && matchesAny(change.key(), true)) {
        recordSent(change.key(), last, change.version());
        owner.deliverReleased(change);
      }
    }
    if (held.isEmpty()) {
      held = null;
    }
  }

  private boolean matchesPending(String key) {
    for (Sub sub : byId.values()) {
      if (!sub.active && sub.pattern.matches(key)) {
        return true;
      }
    }
    return false;
  }

  private boolean matchesAny(String key, boolean activeOnly) {
    for (Sub sub : byId.values()) {
      if ((sub.active || !activeOnly) && sub.pattern.matches(key)) {
        return true;
      }
    }
    return false;
  }
}
