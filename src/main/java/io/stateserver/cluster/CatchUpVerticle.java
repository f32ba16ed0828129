package io.stateserver.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.spi.properties.ClusterProperty;
import com.hazelcast.spi.properties.HazelcastProperties;
import io.stateserver.bus.Addresses;
import io.stateserver.bus.Bus;
import io.stateserver.connection.EncodedChange;
import io.stateserver.metrics.ServerMetrics;
import io.stateserver.persistence.ReadQuery;
import io.stateserver.persistence.StateStore;
import io.stateserver.state.ChangeEvent;
import io.stateserver.state.StoredEntry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-delivers changes whose broadcast may never have reached this node: after every Hazelcast
 * membership change it re-reads the rows written since the time {@link CatchUpWindow} gives and
 * hands each to the node's connections as if it had been broadcast. Every connection drops a
 * version it already has ({@code Subscriptions.accept}), so a re-read change reaches only the
 * subscribers that missed it, and never twice or out of order.
 *
 * <p>Each change is swept twice, at once and {@link #REPEAT_MS} later: a commit the departed node
 * had sent to the database just before it died may become visible only after the first read.
 */
public final class CatchUpVerticle extends VerticleBase {
  /** When a sweep runs again after a membership change, and after a failed sweep. */
  static final long REPEAT_MS = 5_000;

  /** What {@code lookback} adds to Hazelcast's heartbeat timeout: commit latency, clock skew. */
  static final long LOOKBACK_MARGIN_MS = 30_000;

  private static final Logger log = LoggerFactory.getLogger(CatchUpVerticle.class);
  private static final int PAGE_ROWS = 500;
  private static final long NONE = Long.MAX_VALUE;

  private final HazelcastInstance hazelcast;
  private final ServerMetrics metrics;
  private CatchUpWindow window;
  private UUID registration;
  private boolean sweeping;
  private long pendingSince = NONE;
  private boolean pendingAfterJoin;

  /**
   * @param hazelcast this node's member
   * @param metrics counts sweeps and re-read rows
   */
  public CatchUpVerticle(HazelcastInstance hazelcast, ServerMetrics metrics) {
    this.hazelcast = hazelcast;
    this.metrics = metrics;
  }

  /** Hazelcast's heartbeat timeout (how long a silent member may stay) plus the margin. */
  static long lookbackMs(HazelcastInstance hazelcast) {
    return new HazelcastProperties(hazelcast.getConfig())
            .getMillis(ClusterProperty.MAX_NO_HEARTBEAT_SECONDS)
        + LOOKBACK_MARGIN_MS;
  }

  @Override
  public Future<?> start() {
    window = new CatchUpWindow(lookbackMs(hazelcast));
    MembershipListener listener =
        new MembershipListener() {
          @Override
          public void memberAdded(MembershipEvent event) {
            context.runOnContext(v -> onMembershipChange(event, true));
          }

          @Override
          public void memberRemoved(MembershipEvent event) {
            context.runOnContext(v -> onMembershipChange(event, false));
          }
        };
    // A local registration, but a Hazelcast call all the same: keep it off the event loop.
    return vertx
        .executeBlocking(() -> hazelcast.getCluster().addMembershipListener(listener), false)
        .onSuccess(
            id -> {
              registration = id;
              log.info(
                  "catch-up after membership changes on [lookback: {} ms]", window.lookbackMs());
            });
  }

  @Override
  public Future<?> stop() {
    UUID id = registration;
    if (id == null) {
      return Future.succeededFuture();
    }
    return vertx
        .executeBlocking(() -> hazelcast.getCluster().removeMembershipListener(id), false)
        .otherwiseEmpty();
  }

  private void onMembershipChange(MembershipEvent event, boolean joined) {
    long now = System.currentTimeMillis();
    long since = joined ? window.memberJoined(now) : window.memberLeft(now);
    log.info(
        "cluster member {}, catching up [member: {}, since: {}]",
        joined ? "joined" : "left",
        event.getMember().getUuid(),
        since);
    request(since, joined);
    vertx.setTimer(REPEAT_MS, t -> request(since, false));
  }

  /** Runs a sweep now, or merges it into the one that runs after the sweep in progress. */
  private void request(long since, boolean afterJoin) {
    if (sweeping) {
      pendingSince = Math.min(pendingSince, since);
      pendingAfterJoin |= afterJoin;
      return;
    }
    sweeping = true;
    long startedAt = System.currentTimeMillis();
    sweepFrom(since, null, 0)
        .onComplete(
            ar -> {
              sweeping = false;
              if (ar.succeeded()) {
                metrics.catchUpSwept(ar.result());
                log.info(
                    "caught up [since: {}, rows: {}, took: {} ms]",
                    since,
                    ar.result(),
                    System.currentTimeMillis() - startedAt);
                if (afterJoin) {
                  window.joinSweepCompleted(startedAt);
                }
              } else {
                log.warn(
                    "catch-up sweep failed, retrying [since: {}, cause: {}]",
                    since,
                    String.valueOf(ar.cause()));
                vertx.setTimer(REPEAT_MS, t -> request(since, afterJoin));
              }
              if (pendingSince != NONE) {
                long next = pendingSince;
                boolean nextAfterJoin = pendingAfterJoin;
                pendingSince = NONE;
                pendingAfterJoin = false;
                request(next, nextAfterJoin);
              }
            });
  }

  /** Reads and re-delivers one page after another; completes with the number of rows read. */
  private Future<Long> sweepFrom(long since, String after, long rowsSoFar) {
    return Bus.<StateStore.Page>request(
            vertx.eventBus(),
            Addresses.PERSISTENCE_READ,
            new ReadQuery.ChangedSince(since, after, PAGE_ROWS))
        .compose(
            page -> {
              for (StoredEntry e : page.entries()) {
                vertx.eventBus().publish(Addresses.FANOUT, new EncodedChange(asChange(e), true));
              }
              long rows = rowsSoFar + page.entries().size();
              return page.next() == null
                  ? Future.succeededFuture(rows)
                  : sweepFrom(since, page.next(), rows);
            });
  }

  private static ChangeEvent asChange(StoredEntry e) {
    return new ChangeEvent(
        e.key(),
        e.version(),
        e.deleted() ? null : e.valueJson(),
        e.deleted(),
        e.updatedAt(),
        e.updatedBy());
  }
}
