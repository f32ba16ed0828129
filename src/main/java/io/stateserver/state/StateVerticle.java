package io.stateserver.state;

import io.stateserver.bus.Addresses;
import io.stateserver.bus.Bus;
import io.stateserver.persistence.ReadQuery;
import io.stateserver.persistence.StateStore;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state service of a node (one instance): takes write commands from the edges, has them
 * committed by the node's state table (the persistence verticle's group-commit writer), broadcasts
 * each committed change to every node, and runs the TTL sweeper. It never acknowledges a write
 * before its commit.
 *
 * <p>Being the node's only broadcaster of changes, it numbers them (1, 2, 3, ... under the node's
 * incarnation) and, when clustered, publishes a {@link BroadcastBeacon} every {@code beaconMs}, so
 * that other nodes notice broadcasts that never reached them ({@code cluster.BroadcastGaps}). A
 * beacon carries the number the broadcasts stood at one beacon earlier, not the latest: Vert.x
 * keeps the order of messages per address, and while it looks up an address's consumers (the first
 * publish after a start, a membership change) a beacon could overtake a change sent just before it
 * and report a gap that is not one. Every change a beacon counts was sent at least {@code beaconMs}
 * before it.
 */
public final class StateVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(StateVerticle.class);
  private static final int SWEEP_BATCH = 500;

  private final long sweepIntervalMs;
  private final Supplier<StateStore> stores;
  private final BroadcastCounter broadcasts;
  private final long beaconMs;
  private StateStore store;
  private long sweepTimer = -1;
  private long beaconTimer = -1;
  private boolean sweeping;
  // a sweep was asked for while one ran (an expiry's time came, or the last batch was full)
  private boolean sweepAgain;
  private final ExpirySchedule expiries = new ExpirySchedule();
  private long expiryTimer = -1;
  private long broadcastsAtLastBeacon;

  /**
   * @param sweepIntervalMs how often expired keys are looked for (whoever wrote them; a key written
   *     with a TTL through this node is also looked for at its expiry)
   * @param stores the node's state table, asked for once at start (after the persistence verticle
   *     started)
   * @param broadcasts this node's broadcast numbering, advanced here only
   * @param beaconMs how often to publish the last broadcast's number; 0 for never (a single node)
   */
  public StateVerticle(
      long sweepIntervalMs,
      Supplier<StateStore> stores,
      BroadcastCounter broadcasts,
      long beaconMs) {
    this.sweepIntervalMs = sweepIntervalMs;
    this.stores = stores;
    this.broadcasts = broadcasts;
    this.beaconMs = beaconMs;
  }

  @Override
  public Future<?> start() {
    store = stores.get();
    EventBus bus = vertx.eventBus();
    var writes = bus.<WriteCommand>localConsumer(Addresses.STATE_WRITE, this::onWrite);
    sweepTimer = vertx.setPeriodic(sweepIntervalMs, id -> sweepExpired());
    if (beaconMs > 0) {
      beaconTimer = vertx.setPeriodic(beaconMs, id -> beacon(bus));
    }
    return writes.completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    vertx.cancelTimer(beaconTimer);
    vertx.cancelTimer(expiryTimer);
    return Future.succeededFuture();
  }

  private void beacon(EventBus bus) {
    bus.publish(
        Addresses.BEACONS, new BroadcastBeacon(broadcasts.origin(), broadcastsAtLastBeacon));
    broadcastsAtLastBeacon = broadcasts.last();
  }

  private void onWrite(Message<WriteCommand> message) {
    WriteCommand command = message.body();
    Future<WriteOutcome> written = write(command);
    if (command instanceof WriteCommand.Set set && set.ttlMs() != null) {
      written.onSuccess(
          outcome -> {
            // committed after the expiry's clock was read: sweeping at this time finds the key
            if (outcome.succeeded() && expiries.add(System.currentTimeMillis() + set.ttlMs())) {
              armExpiryTimer();
            }
          });
    }
    Bus.replyWith(message, written);
  }

  /** Sweeps at the earliest expiry known, then at the next. */
  private void armExpiryTimer() {
    vertx.cancelTimer(expiryTimer);
    long next = expiries.next();
    if (next < 0) {
      expiryTimer = -1;
      return;
    }
    expiryTimer =
        vertx.setTimer(
            Math.max(1, next - System.currentTimeMillis()),
            id -> {
              expiryTimer = -1;
              expiries.sweptAt(System.currentTimeMillis());
              sweepExpired();
              armExpiryTimer();
            });
  }

  private Future<WriteOutcome> write(WriteCommand command) {
    return store
        .submit(command)
        .andThen(
            ar -> {
              if (ar.succeeded() && ar.result().change() != null) {
                vertx
                    .eventBus()
                    .publish(
                        Addresses.CHANGES,
                        ar.result().change().numbered(broadcasts.origin(), broadcasts.next()));
              }
            });
  }

  /** Deletes expired keys through the normal write path, so expiry is a broadcast deletion. */
  private void sweepExpired() {
    if (sweeping) {
      sweepAgain = true; // what became due meanwhile may not be in the batch being deleted
      return;
    }
    sweeping = true;
    long now = System.currentTimeMillis();
    Bus.<ReadQuery.Keys>request(
            vertx.eventBus(),
            Addresses.PERSISTENCE_READ,
            new ReadQuery.ExpiredKeys(now, SWEEP_BATCH))
        .compose(
            expired ->
                Future.join(
                    expired.keys().stream()
                        .map(key -> write(new WriteCommand.Expire(key, now)))
                        .toList()))
        .onComplete(
            ar -> {
              sweeping = false;
              if (ar.failed()) {
                log.warn("ttl sweep failed [cause: {}]", ar.cause().getMessage());
              } else if (ar.result().size() == SWEEP_BATCH) {
                sweepAgain = true; // more may be due than one batch held
              }
              if (sweepAgain) {
                sweepAgain = false;
                sweepExpired();
              }
            });
  }
}
