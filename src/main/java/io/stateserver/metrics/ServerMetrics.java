package io.stateserver.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's own meters (Prometheus names {@code state_*}). Thread-safe: shared by every verticle
 * of the node.
 */
public final class ServerMetrics {
  private static final Set<String> OPS =
      Set.of("get", "set", "patch", "delete", "list", "sub", "unsub", "ping", "auth", "invalid");

  private final MeterRegistry registry;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicLong outboundChangesPending = new AtomicLong();
  private final AtomicLong outboundBytesPending = new AtomicLong();
  private final Counter messages;
  private final Counter changesDelivered;
  private final Timer fanoutLatency;
  private final DistributionSummary batchSize;
  private final Timer commitLatency;
  private final Counter retriedUnlocked;
  private final Counter retriedLocking;
  private final Counter catchUpSweeps;
  private final Counter catchUpRows;
  private final Counter catchUpDeliveries;
  private final Counter broadcastsMissed;
  // Registry lookups build a meter id and hash its tags on every call; these run per request.
  private final Map<String, Map<String, Counter>> requestCounters = new ConcurrentHashMap<>();
  private final Map<String, Counter> errorCounters = new ConcurrentHashMap<>();
  private final Map<String, Counter> rejectionCounters = new ConcurrentHashMap<>();

  public ServerMetrics(MeterRegistry registry) {
    this.registry = registry;
    registry.gauge("state_connections", connections);
    registry.gauge("state_outbound_changes_pending", outboundChangesPending);
    registry.gauge("state_outbound_bytes_pending", outboundBytesPending);
    this.messages =
        Counter.builder("state_messages_received").description("client frames").register(registry);
    this.changesDelivered =
        Counter.builder("state_changes_fanned_out")
            .description("change frames queued to subscribers")
            .register(registry);
    this.fanoutLatency =
        Timer.builder("state_fanout_latency")
            .description("commit to queued-for-subscriber time")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
    this.batchSize =
        DistributionSummary.builder("state_db_batch_size")
            .description("write commands per transaction")
            .register(registry);
    this.retriedUnlocked = retries(registry, "read");
    this.retriedLocking = retries(registry, "locking");
    this.catchUpSweeps =
        Counter.builder("state_catchup_sweeps")
            .description("re-reads of recently written rows after a cluster membership change")
            .register(registry);
    this.catchUpRows =
        Counter.builder("state_catchup_rows")
            .description("rows re-read by catch-up sweeps")
            .register(registry);
    this.catchUpDeliveries =
        Counter.builder("state_catchup_deliveries")
            .description(
                "change frames queued by catch-up sweeps (changes a subscriber had missed)")
            .register(registry);
    this.broadcastsMissed =
        Counter.builder("state_broadcasts_missed")
            .description(
                "changes broadcast by other nodes that never reached this one (each gap starts a"
                    + " catch-up sweep)")
            .register(registry);
    this.commitLatency =
        Timer.builder("state_db_commit_latency")
            .description("duration of one group-commit transaction")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
  }

  /**
   * Registers the rejection counters at zero, so that every kind shows in {@code /metrics} before
   * the first rejection.
   */
  public void registerRejectionKinds(Iterable<String> kinds) {
    for (String kind : kinds) {
      rejections(kind);
    }
  }

  /** Counts one refusal by a rate or connection limit ({@code state_rate_limited{kind}}). */
  public void rateLimited(String kind) {
    rejections(kind).increment();
  }

  private Counter rejections(String kind) {
    return rejectionCounters.computeIfAbsent(
        kind,
        k ->
            Counter.builder("state_rate_limited")
                .description("messages, upgrades and token requests refused by a limit, by kind")
                .tag("kind", k)
                .register(registry));
  }

  public MeterRegistry registry() {
    return registry;
  }

  public void connectionOpened() {
    connections.incrementAndGet();
  }

  public void connectionClosed() {
    connections.decrementAndGet();
  }

  /**
   * A connection's outbound queue grew or shrank. Change frames conflate per key, so the pending
   * changes of the node stay below the sum of the keys its slow readers follow.
   */
  public void outboundQueueChanged(long changesDelta, long bytesDelta) {
    if (changesDelta != 0) {
      outboundChangesPending.addAndGet(changesDelta);
    }
    if (bytesDelta != 0) {
      outboundBytesPending.addAndGet(bytesDelta);
    }
  }

  /** Open client connections of this node. */
  public int connections() {
    return connections.get();
  }

  /** Change frames waiting in the outbound queues of all connections of this node. */
  public long outboundChangesPending() {
    return outboundChangesPending.get();
  }

  /** Bytes (replies and changes) waiting in the outbound queues of all connections of this node. */
  public long outboundBytesPending() {
    return outboundBytesPending.get();
  }

  public void messageReceived() {
    messages.increment();
  }

  /** Counts a request by op and result ({@code ok} or the error code). */
  public void request(String op, String result) {
    String known = knownOp(op);
    requestCounters
        .computeIfAbsent(known, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(result, r -> registry.counter("state_requests", "op", known, "result", r))
        .increment();
    if (!"ok".equals(result)) {
      errorCounters
          .computeIfAbsent(result, k -> registry.counter("state_errors", "code", k))
          .increment();
    }
  }

  /** Ops outside the protocol are counted as {@code other}, so clients cannot mint labels. */
  public String knownOp(String op) {
    return OPS.contains(op) ? op : "other";
  }

  /**
   * Counts {@code count} subscribers of one change queued on one event loop, and its
   * commit-to-queue latency once (the sockets of one loop are served within the same task). A
   * change a catch-up sweep re-read counts as caught up instead: its commit may be long past.
   */
  public void changesDelivered(int count, long commitTs, boolean caughtUp) {
    changesDelivered.increment(count);
    if (caughtUp) {
      catchUpDeliveries.increment(count);
      return;
    }
    long latency = System.currentTimeMillis() - commitTs;
    if (latency >= 0) {
      fanoutLatency.record(latency, TimeUnit.MILLISECONDS);
    }
  }

  public void batchCommitted(int size, Duration took) {
    batchSize.record(size);
    commitLatency.record(took);
  }

  /** A write transaction lost a race with another node and runs again. */
  public void writeRetried(boolean locking) {
    (locking ? retriedLocking : retriedUnlocked).increment();
  }

  /** A catch-up sweep finished; {@code rows} rows were re-read. */
  public void catchUpSwept(long rows) {
    catchUpSweeps.increment();
    catchUpRows.increment(rows);
  }

  /** {@code missed} broadcasts of another node never arrived here. */
  public void broadcastsMissed(long missed) {
    broadcastsMissed.increment(missed);
  }

  private static Counter retries(MeterRegistry registry, String path) {
    return Counter.builder("state_db_retries")
        .description("write transactions that lost a race with another node and ran again")
        .tag("path", path)
        .register(registry);
  }
}
