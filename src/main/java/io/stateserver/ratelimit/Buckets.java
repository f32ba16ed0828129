package io.stateserver.ratelimit;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.local.SynchronizationStrategy;
import java.time.Duration;

/** Bucket4j configurations of the server's limits: a capacity refilled greedily at a rate. */
final class Buckets {
  private Buckets() {}

  /**
   * Bucket4j refills at most one token per nanosecond; a higher configured rate (an operator
   * switching a limit off with a huge number) is held at that, which is no limit in practice.
   */
  static final long MAX_PER_SECOND = 1_000_000_000L;

  static BucketConfiguration perSecond(long capacity, long perSecond) {
    long rate = Math.min(perSecond, MAX_PER_SECOND);
    return BucketConfiguration.builder()
        .addLimit(l -> l.capacity(capacity).refillGreedy(rate, Duration.ofSeconds(1)))
        .build();
  }

  static BucketConfiguration perMinute(long capacity, long perMinute) {
    return BucketConfiguration.builder()
        .addLimit(l -> l.capacity(capacity).refillGreedy(perMinute, Duration.ofMinutes(1)))
        .build();
  }

  /** A thread-safe local bucket on the given clock. */
  static Bucket local(BucketConfiguration config, TimeMeter time) {
    return build(config, time, SynchronizationStrategy.LOCK_FREE);
  }

  /** A bucket used by one thread only (no synchronisation cost). */
  static Bucket singleThreaded(BucketConfiguration config, TimeMeter time) {
    return build(config, time, SynchronizationStrategy.NONE);
  }

  private static Bucket build(
      BucketConfiguration config, TimeMeter time, SynchronizationStrategy synchronization) {
    var builder =
        Bucket.builder().withCustomTimePrecision(time).withSynchronizationStrategy(synchronization);
    for (var bandwidth : config.getBandwidths()) {
      builder.addLimit(bandwidth);
    }
    return builder.build();
  }
}
