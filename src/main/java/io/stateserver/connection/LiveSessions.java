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

  void put(String sessionId, ClientConnection connection) {
    ClientConnection previous = bySession.put(sessionId, connection);
    if (previous != null && previous != connection) {
      previous.takenOver();
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
