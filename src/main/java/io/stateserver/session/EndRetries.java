package io.stateserver.session;

import java.util.HashMap;
import java.util.Map;

/**
 * Sessions whose end failed (a last will the database refused, or could not be asked), and when
 * each may be tried again.
 *
 * <p>Why: a session is marked ended only once its last wills are made, so a failed end is tried
 * again; but not every second (each attempt also fails the other writes of its group commit), and
 * not for ever: a key that the database refuses to write for good would keep its session, and every
 * node's reaping, busy. Once an end has failed for {@link #GIVE_UP_AFTER_MS} (an hour), the session
 * ends without the last wills that still fail (logged as an error). Not thread-safe: the session
 * verticle's.
 */
final class EndRetries {
  /** How long a session's end keeps failing before it ends without its failing last wills. */
  static final long GIVE_UP_AFTER_MS = 3_600_000;

  private static final long FIRST_BACKOFF_MS = 1_000;
  private static final long MAX_BACKOFF_MS = 60_000;
  // an entry not tried again for this long belongs to a session that ended elsewhere
  private static final long FORGET_AFTER_MS = 10 * MAX_BACKOFF_MS;

  private record Failures(int count, long firstAt, long nextAt) {}

  private final Map<String, Failures> failing = new HashMap<>();

  /** Whether the session's end may be tried at {@code now}. */
  boolean due(String id, long now) {
    Failures f = failing.get(id);
    return f == null || now >= f.nextAt();
  }

  /** Whether an attempt at {@code now} ends the session even if a last will fails. */
  boolean givingUp(String id, long now) {
    Failures f = failing.get(id);
    return f != null && now - f.firstAt() >= GIVE_UP_AFTER_MS;
  }

  /** The session's end failed at {@code now}: wait 1, 2, 4 ... s, at most a minute. */
  void failed(String id, long now) {
    Failures f = failing.get(id);
    int count = f == null ? 1 : f.count() + 1;
    long firstAt = f == null ? now : f.firstAt();
    long backoff = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS << Math.min(count - 1, 16));
    failing.values().removeIf(other -> now - other.nextAt() > FORGET_AFTER_MS);
    failing.put(id, new Failures(count, firstAt, now + backoff));
  }

  /** The session ended. */
  void ended(String id) {
    failing.remove(id);
  }

  /** Sessions with a failed end on record (tests). */
  int failing() {
    return failing.size();
  }
}
