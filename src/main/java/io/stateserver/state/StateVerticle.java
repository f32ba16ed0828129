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
 */
public final class StateVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(StateVerticle.class);
  private static final int SWEEP_BATCH = 500;

  private final long sweepIntervalMs;
  private final Supplier<StateStore> stores;
  private StateStore store;
  private long sweepTimer = -1;
  private boolean sweeping;

  /**
   * @param sweepIntervalMs how often expired keys are looked for
   * @param stores the node's state table, asked for once at start (after the persistence verticle
   *     started)
   */
  public StateVerticle(long sweepIntervalMs, Supplier<StateStore> stores) {
    this.sweepIntervalMs = sweepIntervalMs;
    this.stores = stores;
  }

  @Override
  public Future<?> start() {
    store = stores.get();
    EventBus bus = vertx.eventBus();
    var writes = bus.<WriteCommand>localConsumer(Addresses.STATE_WRITE, this::onWrite);
    sweepTimer = vertx.setPeriodic(sweepIntervalMs, id -> sweepExpired());
    return writes.completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    return Future.succeededFuture();
  }

  private void onWrite(Message<WriteCommand> message) {
    Bus.replyWith(message, write(message.body()));
  }

  private Future<WriteOutcome> write(WriteCommand command) {
    return store
        .submit(command)
        .andThen(
            ar -> {
              if (ar.succeeded() && ar.result().change() != null) {
                vertx.eventBus().publish(Addresses.CHANGES, ar.result().change());
              }
            });
  }

  /** Deletes expired keys through the normal write path, so expiry is a broadcast deletion. */
  private void sweepExpired() {
    if (sweeping) {
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
              }
            });
  }
}
