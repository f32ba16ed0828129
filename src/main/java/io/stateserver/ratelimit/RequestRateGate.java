package io.stateserver.ratelimit;

import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Admits the HTTP state API's requests: each is one message of its client id's budget ({@link
 * ClientBudgets}, the one its WebSocket connections spend), costing its body's bytes. Without it a
 * client could go around its budget by sending over HTTP what it may not send over a WebSocket.
 *
 * <p>Only the client budget applies: there is no connection whose own budget could be charged, and
 * none to close with 4429, so neither {@link ConnectionLimiter} nor {@link RejectionWindow} has a
 * part here. Requests are independent, so unlike {@link ConnectionRateGate} verdicts are not kept
 * in order. Thread-safe: one per node, shared by every event loop.
 */
public final class RequestRateGate {
  private final ClientBudgets clients;
  private final long byteCapacity;
  private final Consumer<String> onRejected;

  RequestRateGate(ClientBudgets clients, long byteCapacity, Consumer<String> onRejected) {
    this.clients = clients;
    this.byteCapacity = Math.max(1, byteCapacity);
    this.onRejected = onRejected;
  }

  /**
   * Takes one request of {@code bodyBytes} bytes from the client's budget.
   *
   * @param context the request's context, where a verdict that waits for the cluster completes
   * @return completed at once unless this node's lease of the client's budget must be refilled
   */
  public Future<RateVerdict> admit(String clientId, long bodyBytes, Context context) {
    long cost = byteCost(bodyBytes);
    CompletableFuture<RateVerdict> shared = clients.tryTake(clientId, cost);
    if (shared.isDone() && !shared.isCompletedExceptionally()) {
      return Future.succeededFuture(counted(shared.join()));
    }
    // as on a WebSocket, a failing cluster budget admits the request (ClientBudgets logs it)
    return Future.fromCompletionStage(shared, context)
        .map(this::counted)
        .otherwise(RateVerdict.ALLOW);
  }

  /**
   * A body costs its bytes, a request without one a single byte (a message is never free), and a
   * body larger than the byte budget's capacity the whole capacity, so that it can pass once the
   * budget is full, as a large WebSocket message does.
   */
  long byteCost(long bodyBytes) {
    return Math.max(1, Math.min(bodyBytes, byteCapacity));
  }

  private RateVerdict counted(RateVerdict verdict) {
    if (!verdict.allowed()) {
      onRejected.accept(verdict.kind());
    }
    return verdict;
  }
}
