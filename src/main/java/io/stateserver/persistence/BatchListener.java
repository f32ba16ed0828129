package io.stateserver.persistence;

import java.time.Duration;

/** Told about every committed group-commit transaction (for metrics). */
@FunctionalInterface
public interface BatchListener {
  void batchCommitted(int commands, Duration took);

  BatchListener NONE = (commands, took) -> {};
}
