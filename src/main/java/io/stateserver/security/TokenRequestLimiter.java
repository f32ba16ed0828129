package io.stateserver.security;

import io.stateserver.config.ServerConfig;
import io.stateserver.ratelimit.RejectionKind;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Token buckets for {@code POST /v1/auth/token}, one per client id and one per remote address, so
 * that neither guessing one client's secret nor trying many ids from one address goes fast. Budgets
 * are per node. Single-threaded (owned by the registry verticle); time is passed in.
 */
final class TokenRequestLimiter {
  private static final long NANOS_PER_MINUTE = 60_000_000_000L;

  /** Keys are capped so that a hostile id cannot make a bucket key large. */
  private static final int MAX_KEY_CHARS = 256;

  private final ServerConfig.TokenRequests limits;
  private final Map<String, Bucket> byClient = new HashMap<>();
  private final Map<String, Bucket> byAddress = new HashMap<>();

  TokenRequestLimiter(ServerConfig.TokenRequests limits) {
    this.limits = limits;
  }

  /**
   * The answer to one token request.
   *
   * @param waitMs 0 when allowed, otherwise the milliseconds to wait
   * @param kind when refused, the budget that refused ({@code RejectionKind.TOKEN_CLIENT} or {@code
   *     TOKEN_ADDRESS}: the one that needs the longer wait)
   */
  record Verdict(long waitMs, String kind) {
    static final Verdict ALLOW = new Verdict(0, null);
  }

  /** Takes one request from the client's and the address's budgets. */
  Verdict tryAcquire(String clientId, String address, long nowNanos) {
    Bucket client =
        byClient.computeIfAbsent(
            key(clientId),
            k -> new Bucket(limits.perClientBurst(), limits.perClientPerMinute(), nowNanos));
    Bucket from =
        byAddress.computeIfAbsent(
            key(address),
            k -> new Bucket(limits.perAddressBurst(), limits.perAddressPerMinute(), nowNanos));
    long waitClient = client.waitNanos(nowNanos);
    long waitAddress = from.waitNanos(nowNanos);
    long wait = Math.max(waitClient, waitAddress);
    if (wait > 0) {
      return new Verdict(
          Math.max(1, (wait + 999_999) / 1_000_000),
          waitClient >= waitAddress ? RejectionKind.TOKEN_CLIENT : RejectionKind.TOKEN_ADDRESS);
    }
    client.take();
    from.take();
    return Verdict.ALLOW;
  }

  /** Forgets buckets that are full again, so memory follows recent requesters. */
  void evictIdle(long nowNanos) {
    evict(byClient, nowNanos);
    evict(byAddress, nowNanos);
  }

  private static void evict(Map<String, Bucket> buckets, long nowNanos) {
    for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
      if (it.next().isFull(nowNanos)) {
        it.remove();
      }
    }
  }

  private static String key(String raw) {
    String k = raw == null ? "" : raw;
    return k.length() > MAX_KEY_CHARS ? k.substring(0, MAX_KEY_CHARS) : k;
  }

  /** {@code capacity} tokens, refilled at {@code perMinute} a minute. */
  private static final class Bucket {
    private final double capacity;
    private final double perNano;
    private double tokens;
    private long last;

    Bucket(int capacity, int perMinute, long nowNanos) {
      this.capacity = capacity;
      this.perNano = (double) perMinute / NANOS_PER_MINUTE;
      this.tokens = capacity;
      this.last = nowNanos;
    }

    long waitNanos(long nowNanos) {
      refill(nowNanos);
      return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / perNano);
    }

    void take() {
      tokens -= 1;
    }

    boolean isFull(long nowNanos) {
      refill(nowNanos);
      return tokens >= capacity;
    }

    private void refill(long nowNanos) {
      long elapsed = nowNanos - last;
      if (elapsed > 0) {
        tokens = Math.min(capacity, tokens + elapsed * perNano);
        last = nowNanos;
      }
    }
  }
}
