package io.stateserver.ratelimit;

import java.util.concurrent.CompletableFuture;

/**
 * The store of every client id's budget: local buckets on a single node, a Hazelcast map in a
 * cluster. Nodes take tokens from it in batches ({@link ClientBudgets}).
 */
public interface SharedBudget {

  /**
   * Takes up to {@code messages} message tokens and up to {@code bytes} byte tokens from the
   * client's budget, as many as it holds. Must not block the caller.
   */
  CompletableFuture<Grant> take(String clientId, long messages, long bytes);

  /** Forgets what is no longer needed (idle buckets); called now and then. */
  default void evictIdle() {}

  /**
   * Tokens granted.
   *
   * @param messages message tokens
   * @param bytes byte tokens
   */
  record Grant(long messages, long bytes) {}
}
