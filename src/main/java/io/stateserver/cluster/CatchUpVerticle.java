package io.stateserver.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
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
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-delivers changes whose broadcast may never have reached this node: after every Hazelcast
 * membership change (and after this node merged into another cluster) it re-reads the rows written
 * since the time {@link CatchUpWindow} gives and hands each to the node's connections as if it had
 * been broadcast. Every connection drops a version it already has ({@code Subscriptions.accept}),
 * so a re-read change reaches only the subscribers that missed it, never twice or out of order.
 *
 * <p>Each change is swept twice, at once and {@link #REPEAT_MS} later: a commit the departed node
 * had sent to the database just before it died may become visible only after the first read, and
 * after a merge Vert.x restores the event-bus subscriptions in the background. Sweeps run one at a
 * time; requests meanwhile (and a failed sweep) merge into the next one. Pages are read one after
 * another with a pause, so that a large sweep does not flood the event loops.
 */
public final class CatchUpVerticle extends VerticleBase {
  /** When a sweep runs again after a membership change, and after a failed sweep. */
  static final long REPEAT_MS = 5_000;

  /** What {@code lookback} adds to Hazelcast's heartbeat timeout: commit latency, clock skew. */
  static final long LOOKBACK_MARGIN_MS = 30_000;

  private static final Logger log = LoggerFactory.getLogger(CatchUpVerticle.class);
  private static final int PAGE_ROWS = 500;
  private static final long PAGE_PAUSE_MS = 10;

  /**
   * One re-read: from {@code since}, covering the departures of {@code covers} (every one when
   * {@code coversAll}) once it completes.
   */
  private record Sweep(long since, Set<String> covers, boolean coversAll) {
    Sweep merge(Sweep other) {
      Set<String> union = new HashSet<>(covers);
      union.addAll(other.covers);
      return new Sweep(
          Math.min(since, other.since), Set.copyOf(union), coversAll || other.coversAll);
    }
  }

  private final HazelcastInstance hazelcast;
  private final ServerMetrics metrics;
  private CatchUpWindow window;
  private UUID membershipRegistration;
  private UUID lifecycleRegistration;
  private boolean stopped;
  private boolean sweeping;
  private boolean retryScheduled;
  private Sweep pending;

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
    MembershipListener membership =
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
    // Local registrations, but Hazelcast calls all the same: keep them off the event loop.
    return vertx
        .executeBlocking(
            () -> {
              membershipRegistration = hazelcast.getCluster().addMembershipListener(membership);
              lifecycleRegistration =
                  hazelcast
                      .getLifecycleService()
                      .addLifecycleListener(
                          e -> {
                            if (e.getState() == LifecycleState.MERGED) {
                              context.runOnContext(v -> onMerged());
                            }
                          });
              return null;
            },
            false)
        .onSuccess(
            v -> log.info("catch-up after membership changes on [lookback: {} ms]", lookbackMs()));
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    UUID membership = membershipRegistration;
    UUID lifecycle = lifecycleRegistration;
    if (membership == null && lifecycle == null) {
      return Future.succeededFuture();
    }
    return vertx
        .executeBlocking(
            () -> {
              if (membership != null) {
                hazelcast.getCluster().removeMembershipListener(membership);
              }
              if (lifecycle != null) {
                hazelcast.getLifecycleService().removeLifecycleListener(lifecycle);
              }
              return null;
            },
            false)
        // Hazelcast may already be shutting down; the listeners go with it.
        .otherwiseEmpty();
  }

  private long lookbackMs() {
    return window.lookbackMs();
  }

  private void onMembershipChange(MembershipEvent event, boolean joined) {
    if (stopped) {
      return;
    }
    long now = System.currentTimeMillis();
    String address = event.getMember().getAddress().toString();
    Sweep sweep =
        joined
            ? new Sweep(window.memberJoined(address, now), Set.of(address), false)
            : new Sweep(window.memberLeft(address, now), Set.of(), false);
    log.info(
        "cluster membership changed, catching up [change: {}, member: {}, since: {}]",
        joined ? "joined" : "left",
        address,
        sweep.since());
    requestTwice(sweep);
  }

  private void onMerged() {
    if (stopped) {
      return;
    }
    Sweep sweep = new Sweep(window.merged(System.currentTimeMillis()), Set.of(), true);
    log.info("node merged into a cluster, catching up [since: {}]", sweep.since());
    requestTwice(sweep);
  }

  private void requestTwice(Sweep sweep) {
    request(sweep);
    vertx.setTimer(REPEAT_MS, t -> request(sweep));
  }

  /** Runs a sweep now, or merges it into the one that runs after the sweep in progress. */
  private void request(Sweep sweep) {
    if (stopped) {
      return;
    }
    if (sweeping) {
      pending = pending == null ? sweep : pending.merge(sweep);
      return;
    }
    sweeping = true;
    long startedAt = System.currentTimeMillis();
    Promise<Long> rows = Promise.promise();
    sweepFrom(sweep.since(), null, 0, rows);
    rows.future()
        .onComplete(
            ar -> {
              sweeping = false;
              if (ar.succeeded()) {
                metrics.catchUpSwept(ar.result());
                window.caughtUp(sweep.coversAll() ? null : sweep.covers(), startedAt);
                log.info(
                    "caught up [since: {}, rows: {}, took: {} ms]",
                    sweep.since(),
                    ar.result(),
                    System.currentTimeMillis() - startedAt);
              } else if (!stopped) {
                log.warn(
                    "catch-up sweep failed, retrying [since: {}, cause: {}]",
                    sweep.since(),
                    String.valueOf(ar.cause()));
                pending = pending == null ? sweep : pending.merge(sweep);
                scheduleRetry();
                return;
              }
              runPending();
            });
  }

  private void scheduleRetry() {
    if (!retryScheduled) {
      retryScheduled = true;
      vertx.setTimer(
          REPEAT_MS,
          t -> {
            retryScheduled = false;
            runPending();
          });
    }
  }

  private void runPending() {
    if (pending != null && !sweeping) {
      Sweep next = pending;
      pending = null;
      request(next);
    }
  }

  /** Reads and re-delivers one page after another; completes with the number of rows read. */
  private void sweepFrom(long since, String after, long rowsSoFar, Promise<Long> done) {
    if (stopped) {
      done.fail("stopped");
      return;
    }
    Bus.<StateStore.Page>request(
            vertx.eventBus(),
            Addresses.PERSISTENCE_READ,
            new ReadQuery.ChangedSince(since, after, PAGE_ROWS))
        .map(
            page -> {
              for (StoredEntry e : page.entries()) {
                vertx.eventBus().publish(Addresses.FANOUT, new EncodedChange(asChange(e), true));
              }
              return page;
            })
        .onFailure(done::fail)
        .onSuccess(
            page -> {
              long rows = rowsSoFar + page.entries().size();
              if (page.next() == null) {
                done.complete(rows);
              } else {
                vertx.setTimer(PAGE_PAUSE_MS, t -> sweepFrom(since, page.next(), rows, done));
              }
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
