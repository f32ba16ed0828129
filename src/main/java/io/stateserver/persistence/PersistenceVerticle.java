package io.stateserver.persistence;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import io.stateserver.bus.Addresses;
import io.stateserver.bus.Bus;
import io.stateserver.config.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the database of a node (one instance): migrates it, creates the group-commit writer (its
 * queue runs on this verticle's context) and answers reads and session operations over the event
 * bus. The JDBC client runs every statement on worker threads, so this verticle's event loop never
 * blocks.
 *
 * <p>On stop it first stops taking requests, then lets those it took finish, and only then closes
 * the database: a request that arrives meanwhile finds no consumer and is answered {@code
 * unavailable} (retryable), and none that was taken fails on a pool closed under it.
 */
public final class PersistenceVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(PersistenceVerticle.class);

  // How long a stop waits for the requests it took; a statement that hangs must not hang it.
  private static final long IN_FLIGHT_GRACE_MS = 5000;

  private final ServerConfig.Db config;
  private final int maxValueBytes;
  private final BatchListener batchListener;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  // Requests and purges under way; their futures may complete on a pool thread.
  private final Set<Future<?>> inFlight = ConcurrentHashMap.newKeySet();
  private Database database;
  private StateStore store;
  private SessionStore sessions;
  private long purgeTimer = -1;
  private boolean purging;

  public PersistenceVerticle(
      ServerConfig.Db config, int maxValueBytes, BatchListener batchListener) {
    this.config = config;
    this.maxValueBytes = maxValueBytes;
    this.batchListener = batchListener;
  }

  @Override
  public Future<?> start() {
    return Database.open(vertx, config)
        .compose(
            db -> {
              database = db;
              store = new StateStore(vertx, db, config.maxBatch(), maxValueBytes, batchListener);
              sessions = new SessionStore(db);
              var bus = vertx.eventBus();
              consumers.add(bus.localConsumer(Addresses.PERSISTENCE_READ, this::onRead));
              consumers.add(bus.localConsumer(Addresses.PERSISTENCE_SESSION, this::onSession));
              return Future.all(consumers.stream().map(MessageConsumer::completion).toList());
            })
        .onSuccess(
            v -> {
              log.info("database ready [dialect: {}]", database.dialect());
              if (config.tombstoneRetentionMs() > 0) {
                TombstonePurge purge = new TombstonePurge(database.pool(), database.writer());
                purgeTimer =
                    vertx.setPeriodic(config.tombstonePurgeEveryMs(), id -> purgeTombstones(purge));
              }
            });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(purgeTimer);
    if (database == null) {
      return Future.succeededFuture();
    }
    return Future.join(consumers.stream().map(MessageConsumer::unregister).toList())
        .transform(
            unregistered ->
                Future.join(List.copyOf(inFlight)).timeout(IN_FLIGHT_GRACE_MS, MILLISECONDS))
        .transform(finished -> database.close());
  }

  /** Keeps {@code work} in {@link #inFlight} until it completes. */
  private <T> Future<T> tracked(Future<T> work) {
    inFlight.add(work);
    work.onComplete(ar -> inFlight.remove(work));
    return work;
  }

  /** Deletes the tombstones past their retention; one run at a time. */
  private void purgeTombstones(TombstonePurge purge) {
    if (purging) {
      return;
    }
    purging = true;
    long now = System.currentTimeMillis();
    tracked(purge.run(now - config.tombstoneRetentionMs(), now))
        .onSuccess(
            run -> {
              if (run.olderNodes() > 0) {
                log.info(
                    "old tombstones kept: nodes of an earlier release hold leases [nodes: {}]",
                    run.olderNodes());
              } else if (run.deleted() > 0) {
                log.info("tombstones deleted [count: {}]", run.deleted());
              }
            })
        .onFailure(t -> log.warn("deleting old tombstones failed [cause: {}]", t.getMessage()))
        .onComplete(ar -> purging = false);
  }

  private void onRead(Message<ReadQuery> message) {
    Bus.replyWith(message, tracked(read(message.body())).recover(DatabaseFailures::asUnavailable));
  }

  private Future<?> read(ReadQuery query) {
    if (query instanceof ReadQuery.Get q) {
      return store.get(q.key());
    } else if (query instanceof ReadQuery.GetMany q) {
      return store.getMany(q.keys()).map(ReadQuery.Entries::new);
    } else if (query instanceof ReadQuery.Scan q) {
      return store.scan(q.pattern(), q.after(), q.limit(), q.includeDeleted());
    } else if (query instanceof ReadQuery.ChangedSince q) {
      return store.changedSince(q.since(), q.after(), q.limit());
    } else if (query instanceof ReadQuery.ExpiredKeys q) {
      return store.expiredKeys(q.now(), q.max()).map(ReadQuery.Keys::new);
    } else if (query instanceof ReadQuery.OwnedBy q) {
      return store.keysOwnedBy(q.session()).map(ReadQuery.Keys::new);
    } else if (query instanceof ReadQuery.Ping) {
      return database.pool().query("SELECT 1").execute().map(rows -> Boolean.TRUE);
    }
    return Future.failedFuture(new IllegalArgumentException("unknown query " + query));
  }

  private void onSession(Message<SessionOp> message) {
    Bus.replyWith(
        message, tracked(session(message.body())).recover(DatabaseFailures::asUnavailable));
  }

  private Future<?> session(SessionOp op) {
    if (op instanceof SessionOp.Open o) {
      return sessions.open(o.id(), o.clientId(), o.nodeId(), o.now(), o.leaseUntil());
    } else if (op instanceof SessionOp.Resume o) {
      return sessions.resume(
          o.id(), o.clientId(), o.nodeId(), o.now(), o.leaseUntil(), o.graceMs());
    } else if (op instanceof SessionOp.Drop o) {
      return sessions.drop(o.id(), o.nodeId(), o.connectedAt(), o.now());
    } else if (op instanceof SessionOp.Owns o) {
      return sessions
          .find(o.id())
          .map(
              row ->
                  row != null
                      && row.connected()
                      && !row.ended()
                      && o.nodeId().equals(row.nodeId())
                      && row.connectedAt() == o.connectedAt());
    } else if (op instanceof SessionOp.ResumedHereLater o) {
      return sessions.resumedHereLater(o.id(), o.clientId(), o.nodeId(), o.connectedAt());
    } else if (op instanceof SessionOp.LeaseOf o) {
      return sessions.leaseOf(o.nodeId());
    } else if (op instanceof SessionOp.DropEarlierRun o) {
      return sessions.dropEarlierRun(o.nodeId(), o.now());
    } else if (op instanceof SessionOp.RenewLeases o) {
      return sessions.renewLeases(
          o.nodeId(), o.leaseUntil(), o.origin(), o.broadcastSeq(), o.sampledAt(), o.renewalSeq());
    } else if (op instanceof SessionOp.NodeBroadcasts o) {
      return sessions
          .broadcastsOfOtherNodes(o.nodeId(), o.leaseNotBefore())
          .map(SessionOp.Broadcasts::new);
    } else if (op instanceof SessionOp.FindExpired o) {
      return sessions.findExpired(o.now(), o.graceMs(), o.max(), o.from());
    } else if (op instanceof SessionOp.BeginEnd o) {
      return sessions.beginEnd(o.id(), o.now(), o.graceMs());
    } else if (op instanceof SessionOp.MarkEnded o) {
      return sessions.markEnded(o.id(), o.now(), o.graceMs());
    } else if (op instanceof SessionOp.PruneEnded o) {
      return sessions.pruneEnded(o.endedBefore());
    } else if (op instanceof SessionOp.PruneDeadNodes o) {
      return sessions.pruneDeadNodes(o.leaseBefore());
    }
    return Future.failedFuture(new IllegalArgumentException("unknown session op " + op));
  }

  /**
   * The node's state table, once this verticle has started. The state verticle submits its writes
   * here directly: {@link StateStore#submit} is safe from any thread and completes on the caller's
   * context, and an event-bus request in between only added a reply handler, a timer and a codec
   * lookup per write.
   */
  public StateStore store() {
    return store;
  }

  /** The node's database, once this verticle has started (shared by the client registry). */
  public Database database() {
    return database;
  }

  /** Whether the writer has nothing queued or in flight (used by the drain on SIGTERM). */
  public boolean idle() {
    return store == null || (store.idle() && database.batcher().idle());
  }
}
