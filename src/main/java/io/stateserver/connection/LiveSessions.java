package io.stateserver.connection;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's live connections by session id, shared by all connection-verticle instances (hence
 * concurrent). Used to close a session's old connection when it is resumed, and to drain.
 */
public final class LiveSessions {
  private final ConcurrentHashMap<String, ClientConnection> bySession = new ConcurrentHashMap<>();

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

  public int size() {
    return bySession.size();
  }

  Collection<ClientConnection> all() {
    return bySession.values();
  }
}
