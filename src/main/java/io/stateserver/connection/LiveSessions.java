package io.stateserver.connection;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's live connections by session id, shared by all connection-verticle instances (hence
 * concurrent). Used to close a session's old connection when it is resumed, and to drain.
 */
public final class LiveSessions {
  private final ConcurrentHashMap<String, ClientConnection> bySession = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger closing =
      new java.util.concurrent.atomic.AtomicInteger();

  /**
   * Registers a session's connection. Of two connections of one session, the one that connected
   * later stays and the other closes as taken over: on one node, resumes of a session succeed in
   * connected-at order ({@code SessionStore.resume}), so the later one owns the session, whichever
   * registers first.
   *
   * @return whether {@code connection} stays (false: it is closing)
   */
  boolean put(String sessionId, ClientConnection connection) {
    ClientConnection[] closing = new ClientConnection[1];
    ClientConnection kept =
        bySession.merge(
            sessionId,
            connection,
            (registered, added) -> {
              boolean addedIsLater = added.connectedAt() > registered.connectedAt();
              closing[0] = registered == added ? null : addedIsLater ? registered : added;
              return addedIsLater ? added : registered;
            });
    if (closing[0] != null) {
      closing[0].takenOver();
    }
    return kept == connection;
  }

  /**
   * A resume of a session committed here: closes the session's connection registered here if it
   * connected before {@code connectedAt}, without waiting for the resumed one to register.
   */
  void resumed(String sessionId, long connectedAt) {
    ClientConnection registered = bySession.get(sessionId);
    if (registered != null && registered.connectedAt() < connectedAt) {
      registered.takenOver();
    }
  }

  void remove(String sessionId, ClientConnection connection) {
    bySession.remove(sessionId, connection);
  }

  ClientConnection get(String sessionId) {
    return bySession.get(sessionId);
  }

  /** A closed connection starts recording its session's drop and presence. */
  void closingStarted() {
    closing.incrementAndGet();
  }

  void closingFinished() {
    closing.decrementAndGet();
  }

  /** True when no connection is open and no closed one is still recording its session's end. */
  public boolean quiet() {
    return bySession.isEmpty() && closing.get() == 0;
  }

  public int size() {
    return bySession.size();
  }

  /**
   * Closes (4403) every live connection whose principal the predicate denies; each connection
   * checks its current principal on its own event loop, since {@code auth} may have replaced it.
   */
  public void closeDenied(java.util.function.Predicate<io.stateserver.security.Principal> denied) {
    bySession.values().forEach(c -> c.closeIfDenied(denied));
  }

  Collection<ClientConnection> all() {
    return bySession.values();
  }
}
