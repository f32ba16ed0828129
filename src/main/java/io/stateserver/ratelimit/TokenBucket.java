package io.stateserver.ratelimit;

/**
 * A token bucket: {@code ratePerSecond} tokens refill continuously up to {@code capacity}. Time is
 * passed in (nanoseconds) so that the arithmetic is testable without clocks.
 */
final class TokenBucket {
  private final double capacity;
  private final double ratePerNano;
  private double tokens;
  private long lastNanos;

  TokenBucket(double capacity, double ratePerSecond, long nowNanos) {
    this.capacity = capacity;
    this.ratePerNano = ratePerSecond / 1e9;
    this.tokens = capacity;
    this.lastNanos = nowNanos;
  }

  /**
   * Takes {@code amount} tokens if available.
   *
   * @return 0 when taken, otherwise the milliseconds until enough tokens would be available
   */
  long tryTake(double amount, long nowNanos) {
    refill(nowNanos);
    if (tokens >= amount) {
      tokens -= amount;
      return 0;
    }
    double missing = Math.min(amount, capacity) - tokens;
    return Math.max(1, (long) Math.ceil(missing / ratePerNano / 1e6));
  }

  boolean isFull(long nowNanos) {
    refill(nowNanos);
    return tokens >= capacity;
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed > 0) {
      tokens = Math.min(capacity, tokens + elapsed * ratePerNano);
      lastNanos = nowNanos;
    }
  }
}
