package io.stateserver.ratelimit;

/** Time conversions of the rate limiters. */
final class Nanos {
  static final long PER_SECOND = 1_000_000_000L;
  static final long PER_MILLI = 1_000_000L;

  private Nanos() {}

  /** Milliseconds to tell a client to wait: rounded up, at least 1. */
  static long toRetryMillis(long nanos) {
    return Math.max(1, (nanos + PER_MILLI - 1) / PER_MILLI);
  }

  /** The time {@code tokens} take to refill at {@code perSecond}, rounded up. */
  static long toRefill(long tokens, long perSecond) {
    if (tokens <= 0) {
      return 0;
    }
    return (long) Math.ceil((double) tokens * PER_SECOND / perSecond);
  }
}
