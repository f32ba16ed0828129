package io.stateserver.persistence;

import java.time.Duration;

/** Told about every committed group-commit transaction, and every retry (for metrics). */
@FunctionalInterface
public interface BatchListener {
  void batchCommitted(int commands, Duration took);

  /**
   * A write transaction lost a race with another node's and runs again.
   *
   * @param locking whether the transaction that lost had its rows locked (the retry path) rather
   *     than read without locks
   */
  default void transactionRetried(boolean locking) {}

  BatchListener NONE = (commands, took) -> {};
}
