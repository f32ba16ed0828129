package io.stateserver.connection;

import io.stateserver.bus.Addresses;
import io.stateserver.session.SessionControl;
import io.stateserver.state.ChangeEvent;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;

/**
 * The node's single consumer of cluster-wide traffic for connections. Each change crosses the
 * network once per node (not once per subscriber); here it is handed to every local connection
 * verticle as one {@link EncodedChange}, encoded at most once, whose bytes go to each matching
 * socket. Session-control messages (a session resumed on another node) close the local connection.
 */
public final class FanoutVerticle extends VerticleBase {
  private final String nodeId;
  private final LiveSessions liveSessions;

  public FanoutVerticle(String nodeId, LiveSessions liveSessions) {
    this.nodeId = nodeId;
    this.liveSessions = liveSessions;
  }

  @Override
  public Future<?> start() {
    var changes = vertx.eventBus().<ChangeEvent>consumer(Addresses.CHANGES, this::onChange);
    var control =
        vertx
            .eventBus()
            .<SessionControl>consumer(Addresses.SESSION_CONTROL, m -> onSessionControl(m.body()));
    return Future.all(changes.completion(), control.completion());
  }

  private void onChange(Message<ChangeEvent> message) {
    vertx.eventBus().publish(Addresses.FANOUT, new EncodedChange(message.body()));
  }

  private void onSessionControl(SessionControl control) {
    if (nodeId.equals(control.exceptNode())) {
      return;
    }
    ClientConnection c = liveSessions.get(control.sessionId());
    if (c != null && !c.connectionId().equals(control.exceptConnection())) {
      c.takenOver();
    }
  }
}
