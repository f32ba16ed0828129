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
  // made at the first rejection: there is one window per connection, and most see none
  private ArrayDeque<Long> rejections;

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
    if (rejections == null) {
      rejections = new ArrayDeque<>(1);
    }
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
