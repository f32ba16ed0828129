package io.stateserver.ratelimit;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.TimeMeter;
import io.stateserver.config.ServerConfig;
import java.util.HashMap;
import java.util.Map;

/**
 * Token buckets for {@code POST /v1/auth/token}, one per client id and one per remote address, so
 * that neither guessing one client's secret nor trying many ids from one address goes fast. Budgets
 * are per node. Single-threaded: owned by the registry verticle.
 */
public final class TokenRequestLimiter {
  /** Keys are capped so that a hostile id cannot make a bucket key large. */
  private static final int MAX_KEY_CHARS = 256;

  private final BucketConfiguration perClient;
  private final BucketConfiguration perAddress;
  private final long clientBurst;
  private final long addressBurst;
  private final TimeMeter time;
  private final Map<String, Bucket> byClient = new HashMap<>();
  private final Map<String, Bucket> byAddress = new HashMap<>();

  public TokenRequestLimiter(ServerConfig.TokenRequests limits) {
    this(limits, TimeMeter.SYSTEM_NANOTIME);
  }

  TokenRequestLimiter(ServerConfig.TokenRequests limits, TimeMeter time) {
    this.perClient = Buckets.perMinute(limits.perClientBurst(), limits.perClientPerMinute());
    this.perAddress = Buckets.perMinute(limits.perAddressBurst(), limits.perAddressPerMinute());
    this.clientBurst = limits.perClientBurst();
    this.addressBurst = limits.perAddressBurst();
    this.time = time;
  }

  /**
   * The answer to one token request.
   *
   * @param waitMs 0 when allowed, otherwise the milliseconds to wait
   * @param kind when refused, the budget that refused ({@link RejectionKind#TOKEN_CLIENT} or {@link
   *     RejectionKind#TOKEN_ADDRESS}: the one that needs the longer wait)
   */
  public record Verdict(long waitMs, String kind) {
    static final Verdict ALLOW = new Verdict(0, null);
  }

  /**
   * Takes one request from the client's and the address's budgets, from both or from neither: a
   * request refused by one budget must not use up the other.
   */
  public Verdict tryAcquire(String clientId, String address) {
    Bucket client = byClient.computeIfAbsent(key(clientId), k -> bucket(perClient));
    Bucket from = byAddress.computeIfAbsent(key(address), k -> bucket(perAddress));
    long waitClient = waitNanos(client.estimateAbilityToConsume(1));
    long waitAddress = waitNanos(from.estimateAbilityToConsume(1));
    if (waitClient > 0 || waitAddress > 0) {
      return new Verdict(
          Nanos.toRetryMillis(Math.max(waitClient, waitAddress)),
          waitClient >= waitAddress ? RejectionKind.TOKEN_CLIENT : RejectionKind.TOKEN_ADDRESS);
    }
    // single-threaded: what the estimates allowed is still there
    client.tryConsume(1);
    from.tryConsume(1);
    return Verdict.ALLOW;
  }

  /** Forgets buckets that are full again, so memory follows recent requesters. */
  public void evictIdle() {
    byClient.values().removeIf(b -> b.getAvailableTokens() >= clientBurst);
    byAddress.values().removeIf(b -> b.getAvailableTokens() >= addressBurst);
  }

  int tracked() {
    return byClient.size() + byAddress.size();
  }

  private Bucket bucket(BucketConfiguration config) {
    return Buckets.singleThreaded(config, time);
  }

  private static long waitNanos(EstimationProbe probe) {
    return probe.canBeConsumed() ? 0 : Math.max(1, probe.getNanosToWaitForRefill());
  }

  private static String key(String raw) {
    String k = raw == null ? "" : raw;
    return k.length() > MAX_KEY_CHARS ? k.substring(0, MAX_KEY_CHARS) : k;
  }
}
