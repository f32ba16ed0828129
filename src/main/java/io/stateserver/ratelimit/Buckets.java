package io.stateserver.ratelimit;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketListener;
import io.github.bucket4j.MathType;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.local.LockFreeBucket;
import io.github.bucket4j.local.ThreadUnsafeBucket;
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

  /** A thread-safe local bucket on the given clock; it shares {@code config} (see below). */
  static Bucket local(BucketConfiguration config, TimeMeter time) {
    return new LockFreeBucket(config, MathType.INTEGER_64_BITS, time, BucketListener.NOPE);
  }

  /**
   * A bucket used by one thread only (no synchronisation cost). It shares {@code config}, which
   * Bucket4j never changes, instead of copying it as its builder does: every connection has two of
   * these, and the copies were 90 bytes of each idle connection's heap (tuning log 25). Nothing may
   * write to the array {@code config.getBandwidths()} returns: it is now every bucket's.
   */
  static Bucket singleThreaded(BucketConfiguration config, TimeMeter time) {
    return new ThreadUnsafeBucket(config, MathType.INTEGER_64_BITS, time, BucketListener.NOPE);
  }
}
