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

  /**
   * Takes tokens as {@link #take} does if the answer is at hand without waiting (a budget in this
   * process), else does nothing and returns null. Lets a single node admit a message without a
   * future per message.
   */
  default Grant takeNow(String clientId, long messages, long bytes) {
    return null;
  }

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
