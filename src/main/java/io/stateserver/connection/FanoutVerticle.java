package io.stateserver.connection;

import io.stateserver.bus.Addresses;
import io.stateserver.cluster.BroadcastGaps;
import io.stateserver.session.SessionControl;
import io.stateserver.state.BroadcastBeacon;
import io.stateserver.state.ChangeEvent;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;

/**
 * The node's single consumer of cluster-wide traffic for connections. Each change crosses the
 * network once per node (not once per subscriber); here it is handed to every local connection
 * verticle as one {@link EncodedChange}, encoded at most once, whose bytes go to each matching
 * socket. Session-control messages (a session resumed on another node) close the local connection.
 *
 * <p>It also follows the numbers of other nodes' broadcasts and beacons ({@link BroadcastGaps}):
 * when some never arrived, it tells the catch-up verticle, which re-reads what they carried.
 */
public final class FanoutVerticle extends VerticleBase {
  private final String nodeId;
  private final LiveSessions liveSessions;
  private final BroadcastGaps gaps;

  /**
   * @param nodeId this node's id (session control names it)
   * @param origin this node's incarnation ({@link ChangeEvent#origin()}), whose own broadcasts are
   *     not followed
   * @param liveSessions the node's connections by session
   */
  public FanoutVerticle(String nodeId, String origin, LiveSessions liveSessions) {
    this.nodeId = nodeId;
    this.liveSessions = liveSessions;
    this.gaps = new BroadcastGaps(origin);
  }

  @Override
  public Future<?> start() {
    var changes = vertx.eventBus().<ChangeEvent>consumer(Addresses.CHANGES, this::onChange);
    var beacons =
        vertx.eventBus().<BroadcastBeacon>consumer(Addresses.BEACONS, m -> onBeacon(m.body()));
    var control =
        vertx
            .eventBus()
            .<SessionControl>consumer(Addresses.SESSION_CONTROL, m -> onSessionControl(m.body()));
    return Future.all(changes.completion(), beacons.completion(), control.completion());
  }

  private void onChange(Message<ChangeEvent> message) {
    ChangeEvent change = message.body();
    vertx.eventBus().publish(Addresses.FANOUT, new EncodedChange(change));
    if (change.origin() != null) {
      report(gaps.changeArrived(change.origin(), change.seq(), System.currentTimeMillis()));
    }
  }

  private void onBeacon(BroadcastBeacon beacon) {
    long now = System.currentTimeMillis();
    report(
        beacon.fromLeaseRecord()
            ? gaps.leaseRecordRead(beacon.origin(), beacon.seq(), beacon.sampledAt(), now)
            : gaps.beaconArrived(beacon.origin(), beacon.seq(), now));
  }

  private void report(BroadcastGaps.Gap gap) {
    if (gap != null) {
      vertx.eventBus().publish(Addresses.BROADCAST_GAPS, gap);
    }
  }

  private void onSessionControl(SessionControl control) {
    if (nodeId.equals(control.exceptNode())) {
      return;
    }
    ClientConnection c = liveSessions.get(control.sessionId());
    if (c != null && !c.connectionId().equals(control.exceptConnection())) {
      c.resumedElsewhere();
    }
  }
}
