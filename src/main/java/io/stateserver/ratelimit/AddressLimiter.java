package io.stateserver.ratelimit;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One token bucket per remote address (WebSocket upgrade attempts), per node. Thread-safe: shared
 * by every connection verticle instance; full buckets are forgotten by {@link #evictIdle}.
 */
public final class AddressLimiter {
  /** Addresses are capped so that a hostile value cannot make a key large. */
  private static final int MAX_KEY_CHARS = 64;

  private final BucketConfiguration config;
  private final long capacity;
  private final TimeMeter time;
  private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  public AddressLimiter(int perMinute, int burst, TimeMeter time) {
    this.config = Buckets.perMinute(burst, perMinute);
    this.capacity = burst;
    this.time = time;
  }

  /**
   * Takes one attempt from the address's budget.
   *
   * @return 0 when allowed, otherwise the nanoseconds until the next attempt would be
   */
  public long tryAcquire(String address) {
    String key = address == null ? "" : address;
    if (key.length() > MAX_KEY_CHARS) {
      key = key.substring(0, MAX_KEY_CHARS);
    }
    Bucket bucket = buckets.computeIfAbsent(key, k -> Buckets.local(config, time));
    ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
    return probe.isConsumed() ? 0 : Math.max(1, probe.getNanosToWaitForRefill());
  }

  public void evictIdle() {
    buckets.values().removeIf(b -> b.getAvailableTokens() >= capacity);
  }

  int tracked() {
    return buckets.size();
  }
}
