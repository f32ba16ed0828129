package io.stateserver.ratelimit;

import io.stateserver.config.ServerConfig;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Per-client budgets on this node: messages per second with a burst, and bytes per second. A
 * message must fit both buckets. Single-threaded (owned by the rate-limiting verticle).
 *
 * <p>Budgets are per node for now: a client connected to three nodes gets up to three times the
 * rate. The cluster-wide budget belongs to the security issue.
 */
public final class ClientRateLimiter {
  private final ServerConfig.Rate rate;
  private final Map<String, Buckets> clients = new HashMap<>();

  private record Buckets(TokenBucket messages, TokenBucket bytes) {}

  public ClientRateLimiter(ServerConfig.Rate rate) {
    this.rate = rate;
  }

  public RateVerdict check(String clientId, int bytes, long nowNanos) {
    Buckets b =
        clients.computeIfAbsent(
            clientId,
            id ->
                new Buckets(
                    new TokenBucket(rate.burst(), rate.messagesPerSecond(), nowNanos),
                    new TokenBucket(rate.bytesPerSecond(), rate.bytesPerSecond(), nowNanos)));
    long waitMessages = b.messages.tryTake(1, nowNanos);
    if (waitMessages > 0) {
      return new RateVerdict(false, waitMessages);
    }
    // A message larger than a whole second's byte budget costs the whole budget: otherwise it
    // could never pass, and its sender would be told to retry forever.
    long waitBytes = b.bytes.tryTake(Math.min(bytes, rate.bytesPerSecond()), nowNanos);
    if (waitBytes > 0) {
      return new RateVerdict(false, waitBytes);
    }
    return RateVerdict.ALLOW;
  }

  /** Forgets clients whose buckets are full again (idle), so memory follows active clients. */
  public void evictIdle(long nowNanos) {
    for (Iterator<Buckets> it = clients.values().iterator(); it.hasNext(); ) {
      Buckets b = it.next();
      if (b.messages.isFull(nowNanos) && b.bytes.isFull(nowNanos)) {
        it.remove();
      }
    }
  }

  public int trackedClients() {
    return clients.size();
  }
}
