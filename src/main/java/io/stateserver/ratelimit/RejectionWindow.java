package io.stateserver.ratelimit;

import java.util.ArrayDeque;

/**
 * Detects sustained abuse: more than {@code maxRejections} refused messages within {@code windowMs}
 * (a sliding window). A client that honours {@code retryAfterMs} is refused about once per wait and
 * never gets there. Single-threaded; time is passed in.
 */
public final class RejectionWindow {
  private final int maxRejections;
  private final long windowNanos;
  // tiny at first (grows on demand): there is one window per connection, and most see no rejection
  private final ArrayDeque<Long> rejections = new ArrayDeque<>(1);

  public RejectionWindow(int maxRejections, long windowMs) {
    this.maxRejections = maxRejections;
    this.windowNanos = windowMs * Nanos.PER_MILLI;
  }

  /**
   * Records one rejection.
   *
   * @return true when this rejection makes more than the allowed number within the window
   */
  public boolean recordAndCheck(long nowNanos) {
    while (!rejections.isEmpty() && nowNanos - rejections.peekFirst() >= windowNanos) {
      rejections.pollFirst();
    }
    rejections.addLast(nowNanos);
    // memory stays bounded: only the last maxRejections + 1 times matter
    if (rejections.size() > maxRejections + 1) {
      rejections.pollFirst();
    }
    return rejections.size() > maxRejections;
  }
}
