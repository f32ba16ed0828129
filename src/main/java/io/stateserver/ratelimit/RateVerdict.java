package io.stateserver.ratelimit;

/**
 * Whether one client message may be processed.
 *
 * @param allowed whether the message may be processed
 * @param retryAfterMs when refused, how long until it would be allowed (at least 1)
 * @param kind when refused, which budget refused it (a {@link RejectionKind} label)
 * @param close when refused, whether the connection has now been refused too often and must be
 *     closed with 4429
 */
public record RateVerdict(boolean allowed, long retryAfterMs, String kind, boolean close) {
  public static final RateVerdict ALLOW = new RateVerdict(true, 0, null, false);

  static RateVerdict refused(String kind, long waitNanos) {
    return new RateVerdict(false, Nanos.toRetryMillis(waitNanos), kind, false);
  }

  RateVerdict closing() {
    return new RateVerdict(allowed, retryAfterMs, kind, true);
  }
}
