package io.stateserver.ratelimit;

/**
 * The answer to a {@link RateCheck}.
 *
 * @param allowed whether the message may be processed
 * @param retryAfterMs when refused, how long until it would be allowed
 */
public record RateVerdict(boolean allowed, long retryAfterMs) {
  public static final RateVerdict ALLOW = new RateVerdict(true, 0);
}
