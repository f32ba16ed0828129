package io.stateserver.ratelimit;

import io.github.bucket4j.TimeMeter;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Admits one connection's messages: first its own budgets (synchronous), then its client id's
 * budget ({@link ClientBudgets}, synchronous unless a lease must be refilled from the cluster). The
 * verdicts complete in the order the messages arrived, so requests are dispatched in that order.
 * Counts rejections and says when they amount to sustained abuse. Runs on the connection's context.
 */
public final class ConnectionRateGate {
  private final ConnectionLimiter connection;
  private final ClientBudgets clients;
  private final RejectionWindow abuse;
  private final Context context;
  private final TimeMeter time;
  private final Consumer<String> onRejected;
  private Future<RateVerdict> last = Future.succeededFuture(RateVerdict.ALLOW);
  private boolean abusive;

  ConnectionRateGate(
      ConnectionLimiter connection,
      ClientBudgets clients,
      RejectionWindow abuse,
      Context context,
      TimeMeter time,
      Consumer<String> onRejected) {
    this.connection = connection;
    this.clients = clients;
    this.abuse = abuse;
    this.context = context;
    this.time = time;
    this.onRejected = onRejected;
  }

  /** Checks one message (its text as received); verdicts complete in call order. */
  public Future<RateVerdict> admit(String clientId, String text) {
    long bytes = utf8Length(text);
    Future<RateVerdict> verdict =
        last.isComplete() ? check(clientId, bytes) : last.transform(ar -> check(clientId, bytes));
    last = verdict;
    return verdict;
  }

  private Future<RateVerdict> check(String clientId, long bytes) {
    long cost = connection.byteCost(bytes);
    RateVerdict own = connection.tryTake(cost);
    if (!own.allowed()) {
      return Future.succeededFuture(rejected(own));
    }
    CompletableFuture<RateVerdict> shared = clients.tryTake(clientId, cost);
    if (shared.isDone() && !shared.isCompletedExceptionally()) {
      return Future.succeededFuture(settle(shared.join(), cost));
    }
    return Future.fromCompletionStage(shared, context)
        .map(v -> settle(v, cost))
        .otherwise(RateVerdict.ALLOW);
  }

  private RateVerdict settle(RateVerdict client, long cost) {
    if (client.allowed()) {
      return client;
    }
    // the message is not processed, so it should not use up the connection's own budget
    connection.giveBack(cost);
    return rejected(client);
  }

  private RateVerdict rejected(RateVerdict verdict) {
    onRejected.accept(verdict.kind());
    if (!abusive && abuse.recordAndCheck(time.currentTimeNanos())) {
      // once: messages already on their way when the close is decided are only refused
      abusive = true;
      return verdict.closing();
    }
    return verdict;
  }

  /** The UTF-8 size of a string, without encoding it. */
  static long utf8Length(String s) {
    long n = 0;
    int len = s.length();
    for (int i = 0; i < len; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n += 1;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < len
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
