package io.stateserver.ratelimit;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.stateserver.config.ServerConfig;

/**
 * The budgets of one connection: messages a second with a burst, and bytes a second. Checked
 * synchronously on the connection's event loop for every message (requests, pings and invalid
 * frames alike); single-threaded.
 */
public final class ConnectionLimiter {
  private final Bucket messages;
  private final Bucket bytes;
  private final long byteCapacity;

  /**
   * The Bucket4j configurations of a connection's budgets, built once per node: building them per
   * connection was 8% of the upgrade handler's time.
   */
  public record Budgets(
      BucketConfiguration messages, BucketConfiguration bytes, long byteCapacity) {
    public static Budgets of(ServerConfig.ConnectionRate rate) {
      return new Budgets(
          Buckets.perSecond(rate.burst(), rate.messagesPerSecond()),
          Buckets.perSecond(rate.bytesPerSecond(), rate.bytesPerSecond()),
          rate.bytesPerSecond());
    }
  }

  public ConnectionLimiter(Budgets budgets, TimeMeter time) {
    this.messages = Buckets.singleThreaded(budgets.messages(), time);
    this.bytes = Buckets.singleThreaded(budgets.bytes(), time);
    this.byteCapacity = budgets.byteCapacity();
  }

  /**
   * A message larger than a whole second's byte budget costs the whole budget: otherwise it could
   * never pass, and its sender would be told to retry forever.
   */
  public long byteCost(long messageBytes) {
    return Math.max(1, Math.min(messageBytes, byteCapacity));
  }

  /** Takes one message of {@code byteCost} bytes, or nothing when either budget lacks it. */
  public RateVerdict tryTake(long byteCost) {
    ConsumptionProbe m = messages.tryConsumeAndReturnRemaining(1);
    if (!m.isConsumed()) {
      return RateVerdict.refused(RejectionKind.CONNECTION_MESSAGES, m.getNanosToWaitForRefill());
    }
    ConsumptionProbe b = bytes.tryConsumeAndReturnRemaining(byteCost);
    if (!b.isConsumed()) {
      messages.addTokens(1);
      return RateVerdict.refused(RejectionKind.CONNECTION_BYTES, b.getNanosToWaitForRefill());
    }
    return RateVerdict.ALLOW;
  }

  /** Gives back what {@link #tryTake} took, when a later check refused the message. */
  public void giveBack(long byteCost) {
    messages.addTokens(1);
    bytes.addTokens(byteCost);
  }
}
