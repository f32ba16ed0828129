package io.stateserver.bench;

/**
 * The harness clock: nanoseconds since the harness started. Publishers and subscribers live in one
 * JVM, so a monotonic clock shared by both measures publish-to-delivery latency directly.
 */
public final class Clock {
  private static final long ORIGIN = System.nanoTime();

  private Clock() {}

  public static long now() {
    return System.nanoTime() - ORIGIN;
  }
}
