package io.stateserver.state;

import io.stateserver.protocol.StateException;
import io.vertx.core.Future;

/**
 * The result of one {@link WriteCommand}: either the committed entry (and the change it caused, if
 * any), or the protocol error it failed with.
 *
 * @param entry the entry after the write; null on failure
 * @param change the change to broadcast; null on failure or when nothing changed (e.g. an expiry
 *     that found the key already rewritten)
 * @param error the failure; null on success
 */
public record WriteOutcome(StoredEntry entry, ChangeEvent change, StateException error) {

  public static WriteOutcome success(StoredEntry entry, ChangeEvent change) {
    return new WriteOutcome(entry, change, null);
  }

  public static WriteOutcome failure(StateException error) {
    return new WriteOutcome(null, null, error);
  }

  public boolean succeeded() {
    return error == null;
  }

  /**
   * This outcome as a future, failed with its error when the write failed. For the server's own
   * writes (last wills, presence), whose callers must not go on as if a write the database refused
   * had been made.
   */
  public Future<WriteOutcome> orFailure() {
    return succeeded() ? Future.succeededFuture(this) : Future.failedFuture(error);
  }
}
