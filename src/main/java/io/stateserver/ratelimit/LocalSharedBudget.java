package io.stateserver.ratelimit;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;
import io.stateserver.config.ServerConfig;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Client budgets of a node that is not clustered: Bucket4j buckets in memory, answered at once. */
public final class LocalSharedBudget implements SharedBudget {
  private final BucketConfiguration messageConfig;
  private final BucketConfiguration byteConfig;
  private final TimeMeter time;
  private final ConcurrentMap<String, Pair> buckets = new ConcurrentHashMap<>();

  private record Pair(Bucket messages, Bucket bytes) {}

  public LocalSharedBudget(ServerConfig.Rate rate, TimeMeter time) {
    this.messageConfig = Buckets.perSecond(rate.burst(), rate.messagesPerSecond());
    this.byteConfig = Buckets.perSecond(rate.bytesPerSecond(), rate.bytesPerSecond());
    this.time = time;
  }

  @Override
  public CompletableFuture<Grant> take(String clientId, long messages, long bytes) {
    return CompletableFuture.completedFuture(takeNow(clientId, messages, bytes));
  }

  @Override
  public Grant takeNow(String clientId, long messages, long bytes) {
    Pair p =
        buckets.computeIfAbsent(
            clientId,
            id -> new Pair(Buckets.local(messageConfig, time), Buckets.local(byteConfig, time)));
    long m = messages > 0 ? p.messages.tryConsumeAsMuchAsPossible(messages) : 0;
    long b = bytes > 0 ? p.bytes.tryConsumeAsMuchAsPossible(bytes) : 0;
    return new Grant(m, b);
  }

  /** Full buckets carry no state worth keeping. */
  @Override
  public void evictIdle() {
    buckets
        .values()
        .removeIf(
            p ->
                p.messages.getAvailableTokens() >= messageConfig.getBandwidths()[0].getCapacity()
                    && p.bytes.getAvailableTokens() >= byteConfig.getBandwidths()[0].getCapacity());
  }
}
