package io.stateserver.security;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * The node-local cache of who must be refused: disabled client ids and revoked token ids (jti).
 * {@link TokenVerifier} consults it on every verification, so checks cost a hash lookup, not a
 * database query. Thread-safe: read by every event loop, written by the registry verticle.
 *
 * <p>It is filled from the database at start, updated by {@link AccessChange} messages (published
 * cluster-wide on every change made through the admin API) and re-read from the database
 * periodically, which also catches changes made with the command-line tool and any message a node
 * missed. A re-read never overrides an entry changed by a message while the read was running, so
 * that a slow read cannot undo a newer change.
 *
 * <p>When an entry starts denying, the listeners run (on the caller's thread), so that live
 * connections of the client or token can be closed.
 */
public final class DenyList {
  /** Disabled or re-enabled clients, with the (monotonic) time of the last change. */
  private final Map<String, Mark> clients = new ConcurrentHashMap<>();

  /** Revoked jti to expiry (epoch seconds, or {@link RevocationStore#NEVER}). */
  private final Map<String, Long> revoked = new ConcurrentHashMap<>();

  private final CopyOnWriteArrayList<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final LongSupplier nanoClock;

  private record Mark(boolean disabled, long changedNanos) {}

  /** A snapshot of the database's deny state, as read by the registry. */
  public record Snapshot(Set<String> disabledClients, Map<String, Long> revokedTokens) {}

  public DenyList() {
    this(System::nanoTime);
  }

  DenyList(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  /** Whether the principal's client is disabled or its token revoked. */
  public boolean denies(Principal principal) {
    Mark mark = clients.get(principal.clientId());
    if (mark != null && mark.disabled()) {
      return true;
    }
    String jti = principal.tokenId();
    return jti != null && revoked.containsKey(jti);
  }

  public boolean isDisabled(String clientId) {
    Mark mark = clients.get(clientId);
    return mark != null && mark.disabled();
  }

  public boolean isRevoked(String jti) {
    return revoked.containsKey(jti);
  }

  /** Runs {@code listener} whenever something starts being denied. */
  public void onNewDenial(Runnable listener) {
    listeners.add(listener);
  }

  /** Applies one change (from a message); fires the listeners for a new denial. */
  public void apply(AccessChange change) {
    long now = nanoClock.getAsLong();
    boolean denies =
        switch (change.kind()) {
          case CLIENT_DISABLED -> {
            clients.put(change.subject(), new Mark(true, now));
            yield true;
          }
          case CLIENT_ENABLED -> {
            clients.put(change.subject(), new Mark(false, now));
            yield false;
          }
          case TOKEN_REVOKED -> {
            revoked.put(change.subject(), change.expiresAt());
            yield true;
          }
        };
    if (denies) {
      fire();
    }
  }

  /** The monotonic time to pass to {@link #sync} when starting a database read. */
  public long readStarted() {
    return nanoClock.getAsLong();
  }

  /**
   * Brings the cache in line with the database, except for clients changed (by a message) after
   * {@code readStartedNanos}, which the snapshot may not show yet.
   *
   * @return how many entries started denying
   */
  public int sync(Snapshot snapshot, long readStartedNanos) {
    int newDenials = 0;
    for (String id : snapshot.disabledClients()) {
      Mark mark = clients.get(id);
      if (mark == null || (!mark.disabled() && mark.changedNanos() < readStartedNanos)) {
        clients.put(id, new Mark(true, readStartedNanos));
        newDenials++;
      }
    }
    for (Iterator<Map.Entry<String, Mark>> it = clients.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Mark> e = it.next();
      if (e.getValue().changedNanos() < readStartedNanos
          && !snapshot.disabledClients().contains(e.getKey())) {
        // enabled in the database: nothing to remember
        it.remove();
      }
    }
    for (Map.Entry<String, Long> e : snapshot.revokedTokens().entrySet()) {
      if (revoked.put(e.getKey(), e.getValue()) == null) {
        newDenials++;
      }
    }
    if (newDenials > 0) {
      fire();
    }
    return newDenials;
  }

  /** Forgets revocations of tokens that have expired before {@code beforeEpochSeconds}. */
  public void pruneRevoked(long beforeEpochSeconds) {
    revoked.values().removeIf(expiry -> expiry < beforeEpochSeconds);
  }

  public int disabledCount() {
    return (int) clients.values().stream().filter(Mark::disabled).count();
  }

  public int revokedCount() {
    return revoked.size();
  }

  private void fire() {
    for (Runnable listener : listeners) {
      listener.run();
    }
  }
}
