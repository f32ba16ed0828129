package io.stateserver.ratelimit;

import io.github.bucket4j.TimeMeter;
import io.stateserver.config.ServerConfig;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each client id's budget on this node, spent locally from leases taken out of the {@link
 * SharedBudget} in batches, so that most messages cost no cluster round trip.
 *
 * <p>When a client's lease cannot pay for a message, the node takes {@code max(missing, lease
 * size)} tokens from the shared budget (one request in flight per client and node; messages
 * arriving meanwhile wait for it). If the shared budget had too little, the node refuses the
 * client's messages locally until the missing tokens could have refilled, so a flooding client
 * costs at most one cluster request per refill interval and node.
 *
 * <p>Error bound: tokens sit in a lease between being taken and being spent, so in any time window
 * a client connected to N nodes can spend at most {@code N * leaseMessages} messages (and {@code N
 * * (leaseBytes + one message's cost)} bytes) more than one exact bucket would allow ({@code burst
 * + rate * window}). The lease size is {@code clusterLeaseMs} worth of the rate
 * (docs/rate-limiting.md). Leases unused for a minute are dropped, which only ever lowers what the
 * client gets.
 *
 * <p>Thread-safe: shared by all connection verticle instances of the node.
 */
public final class ClientBudgets {
  private static final Logger log = LoggerFactory.getLogger(ClientBudgets.class);
  private static final long IDLE_NANOS = 60 * Nanos.PER_SECOND;
  private static final CompletableFuture<RateVerdict> ALLOWED =
      CompletableFuture.completedFuture(RateVerdict.ALLOW);

  private final SharedBudget shared;
  private final long leaseMessages;
  private final long leaseBytes;
  private final long messagesPerSecond;
  private final long bytesPerSecond;
  private final TimeMeter time;
  private final ConcurrentMap<String, Lease> leases = new ConcurrentHashMap<>();

  /** Tokens this node holds for one client. Guarded by itself. */
  private static final class Lease {
    long messages;
    long bytes;
    long refusedUntil = Long.MIN_VALUE;
    long lastUsed;
    CompletableFuture<Void> refill;

    boolean covers(long byteCost) {
      return messages >= 1 && bytes >= byteCost;
    }

    void spend(long byteCost) {
      messages -= 1;
      bytes -= byteCost;
    }
  }

  ClientBudgets(
      SharedBudget shared,
      long leaseMessages,
      long leaseBytes,
      ServerConfig.Rate rate,
      TimeMeter time) {
    this.shared = shared;
    this.leaseMessages = Math.max(1, leaseMessages);
    this.leaseBytes = Math.max(1, leaseBytes);
    this.messagesPerSecond = rate.messagesPerSecond();
    this.bytesPerSecond = rate.bytesPerSecond();
    this.time = time;
  }

  /** A single node: the shared budget is local and answers at once, so leases are exact (1). */
  public static ClientBudgets single(ServerConfig.Rate rate, TimeMeter time) {
    return new ClientBudgets(new LocalSharedBudget(rate, time), 1, 1, rate, time);
  }

  /** A cluster node: leases of {@code clusterLeaseMs} worth of the rate, capped by the bursts. */
  public static ClientBudgets leasing(ServerConfig.Rate rate, SharedBudget shared, TimeMeter time) {
    return new ClientBudgets(shared, leaseMessages(rate), leaseBytes(rate), rate, time);
  }

  static long leaseMessages(ServerConfig.Rate rate) {
    long byRate = (long) Math.ceil(rate.messagesPerSecond() * rate.clusterLeaseMs() / 1000.0);
    return Math.max(1, Math.min(rate.burst(), byRate));
  }

  static long leaseBytes(ServerConfig.Rate rate) {
    long byRate = (long) Math.ceil((double) rate.bytesPerSecond() * rate.clusterLeaseMs() / 1000.0);
    return Math.max(1, Math.min(rate.bytesPerSecond(), byRate));
  }

  /**
   * Takes one message costing {@code byteCost} bytes from the client's budget.
   *
   * @return completed at once unless the node had to ask the shared budget for more tokens
   */
  public CompletableFuture<RateVerdict> tryTake(String clientId, long byteCost) {
    Lease lease = leases.computeIfAbsent(clientId, id -> new Lease());
    CompletableFuture<Void> pending;
    synchronized (lease) {
      long now = time.currentTimeNanos();
      lease.lastUsed = now;
      if (lease.covers(byteCost)) {
        lease.spend(byteCost);
        return ALLOWED;
      }
      if (now < lease.refusedUntil) {
        return CompletableFuture.completedFuture(
            RateVerdict.refused(RejectionKind.CLIENT, lease.refusedUntil - now));
      }
      if (lease.refill == null) {
        Need need = need(lease, byteCost);
        SharedBudget.Grant granted = takeNow(clientId, need);
        if (granted != null) {
          // A single node: no future per message (they were 4.5% of event-loop time in S5).
          credit(lease, granted, need);
          RateVerdict verdict = afterRefill(lease, byteCost);
          return verdict.allowed() ? ALLOWED : CompletableFuture.completedFuture(verdict);
        }
        pending = refill(clientId, lease, need);
      } else {
        pending = lease.refill;
      }
    }
    return pending.thenApply(v -> afterRefill(lease, byteCost));
  }

  /** What a lease lacks for one message, and what to ask the shared budget for. */
  private record Need(long messages, long bytes, long wantMessages, long wantBytes) {}

  private Need need(Lease lease, long byteCost) {
    long messages = Math.max(0, 1 - lease.messages);
    long bytes = Math.max(0, byteCost - lease.bytes);
    return new Need(
        messages,
        bytes,
        messages > 0 ? Math.max(messages, leaseMessages) : 0,
        bytes > 0 ? Math.max(bytes, leaseBytes) : 0);
  }

  /** The shared budget's immediate answer, or null (then {@link #refill} asks and fails open). */
  private SharedBudget.Grant takeNow(String clientId, Need need) {
    try {
      return shared.takeNow(clientId, need.wantMessages(), need.wantBytes());
    } catch (RuntimeException e) {
      return null;
    }
  }

  private CompletableFuture<Void> refill(String clientId, Lease lease, Need need) {
    CompletableFuture<SharedBudget.Grant> granted;
    try {
      granted = shared.take(clientId, need.wantMessages(), need.wantBytes());
    } catch (RuntimeException e) {
      granted = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Void> done =
        granted.handle(
            (grant, error) -> {
              synchronized (lease) {
                lease.refill = null;
                if (error != null) {
                  // Fail open for the shared part: the connection budgets still hold.
                  log.warn(
                      "shared rate budget unavailable, allowing [client: {}, cause: {}]",
                      clientId,
                      String.valueOf(error));
                  lease.messages += need.messages();
                  lease.bytes += need.bytes();
                  return null;
                }
                credit(lease, grant, need);
                return null;
              }
            });
    if (!done.isDone()) {
      lease.refill = done;
    }
    return done;
  }

  /** Adds a grant to the lease; refuses locally until what the grant lacked could have refilled. */
  private void credit(Lease lease, SharedBudget.Grant grant, Need need) {
    lease.messages += grant.messages();
    lease.bytes += grant.bytes();
    long at = time.currentTimeNanos();
    if (grant.messages() < need.messages()) {
      long wait = Nanos.toRefill(need.messages() - grant.messages(), messagesPerSecond);
      lease.refusedUntil = Math.max(lease.refusedUntil, at + wait);
    }
    if (grant.bytes() < need.bytes()) {
      long wait = Nanos.toRefill(need.bytes() - grant.bytes(), bytesPerSecond);
      lease.refusedUntil = Math.max(lease.refusedUntil, at + wait);
    }
  }

  private RateVerdict afterRefill(Lease lease, long byteCost) {
    synchronized (lease) {
      if (lease.covers(byteCost)) {
        lease.spend(byteCost);
        return RateVerdict.ALLOW;
      }
      long now = time.currentTimeNanos();
      long wait =
          now < lease.refusedUntil
              ? lease.refusedUntil - now
              : Nanos.toRefill(1, messagesPerSecond);
      return RateVerdict.refused(RejectionKind.CLIENT, wait);
    }
  }

  /** Drops leases unused for a minute (their tokens are forgotten, never handed out twice). */
  public void evictIdle() {
    long now = time.currentTimeNanos();
    leases
        .values()
        .removeIf(
            lease -> {
              synchronized (lease) {
                return lease.refill == null && now - lease.lastUsed > IDLE_NANOS;
              }
            });
    shared.evictIdle();
  }

  int trackedClients() {
    return leases.size();
  }
}
