package io.stateserver.ratelimit;

import com.hazelcast.core.HazelcastInstance;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.grid.hazelcast.Bucket4jHazelcast;
import io.stateserver.config.ServerConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Client budgets shared by every node of the cluster: two Bucket4j buckets per client id (messages,
 * bytes) in the Hazelcast map {@value #MAP}, changed atomically by entry processors on the member
 * that owns the key. Only the asynchronous API is used, so no event loop waits for the cluster.
 * Entries expire once their bucket would be full again, so the map follows active clients.
 *
 * <p>Every member needs Bucket4j's serializers ({@link #registerSerializers}).
 */
public final class HazelcastSharedBudget implements SharedBudget {
  /** The Hazelcast map of the buckets. */
  public static final String MAP = "state.ratelimit.clients";

  /** First Hazelcast type id of Bucket4j's serializers (it uses a few consecutive ones). */
  public static final int SERIALIZER_TYPE_ID_BASE = 7_429_000;

  private final AsyncProxyManager<String> proxies;
  private final BucketConfiguration messageConfig;
  private final BucketConfiguration byteConfig;

  public HazelcastSharedBudget(HazelcastInstance hazelcast, ServerConfig.Rate rate) {
    this.proxies =
        Bucket4jHazelcast.entryProcessorBasedBuilder(hazelcast.<String, byte[]>getMap(MAP))
            .expirationAfterWrite(
                ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(
                    Duration.ofSeconds(10)))
            .build()
            .asAsync();
    this.messageConfig = Buckets.perSecond(rate.burst(), rate.messagesPerSecond());
    this.byteConfig = Buckets.perSecond(rate.bytesPerSecond(), rate.bytesPerSecond());
  }

  /** Adds Bucket4j's serializers to a member's configuration (before the member starts). */
  public static void registerSerializers(com.hazelcast.config.Config config) {
    io.github.bucket4j.grid.hazelcast.HazelcastProxyManager.addCustomSerializers(
        config.getSerializationConfig(), SERIALIZER_TYPE_ID_BASE);
  }

  @Override
  public CompletableFuture<Grant> take(String clientId, long messages, long bytes) {
    CompletableFuture<Long> m =
        messages > 0
            ? bucket(clientId + "|m", messageConfig).tryConsumeAsMuchAsPossible(messages)
            : CompletableFuture.completedFuture(0L);
    CompletableFuture<Long> b =
        bytes > 0
            ? bucket(clientId + "|b", byteConfig).tryConsumeAsMuchAsPossible(bytes)
            : CompletableFuture.completedFuture(0L);
    return m.thenCombine(b, Grant::new);
  }

  private AsyncBucketProxy bucket(String key, BucketConfiguration config) {
    return proxies.builder().build(key, () -> CompletableFuture.completedFuture(config));
  }
}
