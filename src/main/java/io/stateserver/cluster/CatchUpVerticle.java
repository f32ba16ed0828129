package io.stateserver.cluster;

import com.hazelcast.cluster.Member;
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
import java.util.HashMap;
import java.util.Map;
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
 * <p>It also sweeps once {@link #REPEAT_MS} after this node started (the others may have broadcast
 * before they knew its consumer), and when broadcasts from a live node never arrived ({@link
 * BroadcastGaps}, told by the fan-out): once, from {@link #LOOKBACK_MARGIN_MS} before the last one
 * that did. Hazelcast's heartbeat timeout, which the membership lookback adds for a node that died
 * unnoticed, does not apply: the sender was alive and numbering. While broadcasts go on being lost,
 * those sweeps are paced ({@link GapSweepPacer}): each is a whole-table read.
 *
 * <p>Each change is swept twice, at once and {@link #REPEAT_MS} later (a commit the departed node
 * had sent to the database just before it died may become visible only after the first read); after
 * a merge also {@link #AFTER_MERGE_MS} later, because Vert.x restores the event-bus subscriptions
 * in the background and broadcasts sent meanwhile are lost. Sweeps run one at a time; requests
 * meanwhile (and a failed sweep) merge into the next one ({@link SweepScheduler}). Pages are read
 * one after another with a pause, so that a large sweep does not flood the event loops.
 */
public final class CatchUpVerticle extends VerticleBase {
  /** When a sweep runs again after a membership change, and after a failed sweep. */
  static final long REPEAT_MS = 5_000;

  /** When a sweep runs a third time after this node merged into another cluster. */
  static final long AFTER_MERGE_MS = 30_000;

  /** What {@code lookback} adds to Hazelcast's heartbeat timeout: commit latency, clock skew. */
  static final long LOOKBACK_MARGIN_MS = 30_000;

  /**
   * The least time between the starts of two sweeps for lost broadcasts ({@link GapSweepPacer}).
   */
  static final long GAP_SWEEP_MIN_INTERVAL_MS = 10_000;

  /** How many times its duration a sweep keeps the next sweep for lost broadcasts waiting. */
  static final long GAP_SWEEP_DURATION_FACTOR = 5;

  private static final Logger log = LoggerFactory.getLogger(CatchUpVerticle.class);
  private static final int PAGE_ROWS = 500;
  private static final long PAGE_PAUSE_MS = 10;

  private record Registrations(UUID membership, UUID lifecycle) {}

  private final HazelcastInstance hazelcast;
  private final ServerMetrics metrics;
  private CatchUpWindow window;
  private Registrations registrations;
  private SweepScheduler sweeps;
  private GapSweepPacer gapSweeps;
  private boolean stopped;

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
    // Later than the start time this node publishes (ClusterManagerFactory): no connection, and
    // so no subscriber, exists before this verticle has started.
    long startedAt = System.currentTimeMillis();
    window = new CatchUpWindow(lookbackMs(hazelcast), startedAt);
    sweeps =
        new SweepScheduler(
            this::sweep,
            (delayMs, action) -> vertx.setTimer(delayMs, t -> action.run()),
            REPEAT_MS,
            this::caughtUp,
            (sweep, cause) ->
                log.warn(
                    "catch-up sweep failed, retrying [since: {}, cause: {}]",
                    sweep.since(),
                    String.valueOf(cause)),
            System::currentTimeMillis);
    gapSweeps =
        new GapSweepPacer(
            GAP_SWEEP_MIN_INTERVAL_MS,
            GAP_SWEEP_DURATION_FACTOR,
            (delayMs, action) -> vertx.setTimer(delayMs, t -> action.run()),
            // monotonic: a step of the wall clock must not hold a sweep back for an hour
            () -> System.nanoTime() / 1_000_000,
            sweeps::request);
    MembershipListener membership =
        new MembershipListener() {
          @Override
          public void memberAdded(MembershipEvent event) {
            context.runOnContext(v -> onMembershipChange(event.getMember(), true));
          }

          @Override
          public void memberRemoved(MembershipEvent event) {
            context.runOnContext(v -> onMembershipChange(event.getMember(), false));
          }
        };
    var gaps =
        vertx
            .eventBus()
            .<BroadcastGaps.Gap>localConsumer(Addresses.BROADCAST_GAPS, m -> onGap(m.body()));
    // Local registrations, but Hazelcast calls all the same: keep them off the event loop.
    Future<Registrations> listeners =
        vertx.executeBlocking(
            () -> {
              UUID m = hazelcast.getCluster().addMembershipListener(membership);
              try {
                UUID l =
                    hazelcast
                        .getLifecycleService()
                        .addLifecycleListener(
                            e -> {
                              if (e.getState() != LifecycleState.MERGED) {
                                return;
                              }
                              // Hazelcast calls its listeners in turn: never fail Vert.x's own
                              try {
                                // the members as of the merge, read on Hazelcast's thread
                                Set<Member> members = hazelcast.getCluster().getMembers();
                                context.runOnContext(v -> onMerged(members));
                              } catch (RuntimeException ex) {
                                log.warn(
                                    "cannot catch up after a merge [cause: {}]",
                                    String.valueOf(ex));
                              }
                            });
                return new Registrations(m, l);
              } catch (RuntimeException e) {
                hazelcast.getCluster().removeMembershipListener(m);
                throw e;
              }
            },
            false);
    return Future.all(
            gaps.completion(),
            listeners.onSuccess(
                r -> {
                  registrations = r;
                  vertx.setTimer(REPEAT_MS, t -> sweepOwnStart(startedAt));
                  log.info(
                      "catch-up after membership changes and lost broadcasts on [lookback: {} ms,"
                          + " after lost broadcasts: {} ms]",
                      lookbackMs(),
                      LOOKBACK_MARGIN_MS);
                }))
        .mapEmpty();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    gapSweeps.stop();
    sweeps.stop();
    Registrations r = registrations;
    if (r == null) {
      return Future.succeededFuture();
    }
    return vertx
        .executeBlocking(
            () -> {
              hazelcast.getCluster().removeMembershipListener(r.membership());
              hazelcast.getLifecycleService().removeLifecycleListener(r.lifecycle());
              return null;
            },
            false)
        // Hazelcast may already be shutting down; the listeners go with it.
        .otherwiseEmpty();
  }

  private long lookbackMs() {
    return window.lookbackMs();
  }

  private void onMembershipChange(Member member, boolean joined) {
    if (stopped || member.localMember()) {
      return;
    }
    long now = System.currentTimeMillis();
    String address = member.getAddress().toString();
    SweepScheduler.Sweep sweep =
        joined
            ? new SweepScheduler.Sweep(
                window.memberJoined(address, startedAt(member), now), Map.of(address, now))
            : new SweepScheduler.Sweep(window.memberLeft(address, now), Map.of());
    log.info(
        "cluster membership changed, catching up [change: {}, member: {}, since: {}]",
        joined ? "joined" : "left",
        address,
        sweep.since());
    sweeps.request(sweep);
    vertx.setTimer(REPEAT_MS, t -> sweeps.request(sweep));
  }

  /**
   * A node that joins gets no membership event for the members it finds, so nothing else sweeps for
   * it; but the others learn of its consumer of changes only some milliseconds after it registered,
   * and a change they broadcast meanwhile never reaches it. Once, a little later, it re-reads what
   * was written since it started.
   */
  private void sweepOwnStart(long startedAt) {
    if (!stopped) {
      sweeps.request(new SweepScheduler.Sweep(startedAt - LOOKBACK_MARGIN_MS, Map.of()));
    }
  }

  /** Broadcasts of a live node never arrived: their commits came after the last one that did. */
  private void onGap(BroadcastGaps.Gap gap) {
    if (stopped) {
      return;
    }
    metrics.broadcastsMissed(gap.missed());
    SweepScheduler.Sweep sweep =
        new SweepScheduler.Sweep(gap.lastHeardAt() - LOOKBACK_MARGIN_MS, Map.of());
    long delayMs = gapSweeps.request(sweep);
    log.warn(
        "broadcasts from a node never arrived, catching up [origin: {}, missed: {}, via: {},"
            + " since: {}, sweep in: {} ms]",
        gap.origin(),
        gap.missed(),
        gap.via(),
        sweep.since(),
        delayMs);
  }

  /** This node merged into another cluster: every other member is back, or new, as of now. */
  private void onMerged(Set<Member> members) {
    if (stopped) {
      return;
    }
    long now = System.currentTimeMillis();
    long since = now - lookbackMs();
    Map<String, Long> backAt = new HashMap<>();
    for (Member m : members) {
      if (!m.localMember()) {
        String address = m.getAddress().toString();
        since = Math.min(since, window.memberJoined(address, startedAt(m), now));
        backAt.put(address, now);
      }
    }
    SweepScheduler.Sweep sweep = new SweepScheduler.Sweep(since, backAt);
    log.info(
        "node merged into a cluster, catching up [members: {}, since: {}]", backAt.size(), since);
    sweeps.request(sweep);
    vertx.setTimer(REPEAT_MS, t -> sweeps.request(sweep));
    vertx.setTimer(AFTER_MERGE_MS, t -> sweeps.request(sweep));
  }

  private static Long startedAt(Member member) {
    String value = member.getAttribute(CatchUpWindow.STARTED_AT_ATTRIBUTE);
    try {
      return value == null ? null : Long.valueOf(value);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private Future<Long> sweep(long since) {
    Promise<Long> rows = Promise.promise();
    sweepFrom(since, null, 0, rows);
    return rows.future();
  }

  private void caughtUp(SweepScheduler.Sweep sweep, long rows, long tookMs) {
    window.caughtUp(sweep.backAt());
    gapSweeps.sweepTook(tookMs);
    metrics.catchUpSwept(rows);
    log.info("caught up [since: {}, rows: {}, took: {} ms]", sweep.since(), rows, tookMs);
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
              if (!stopped) {
                for (StoredEntry e : page.entries()) {
                  vertx.eventBus().publish(Addresses.FANOUT, new EncodedChange(asChange(e), true));
                }
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
