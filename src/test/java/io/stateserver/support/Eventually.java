package io.stateserver.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Polls an asynchronous read until its result satisfies a condition, for behaviour that happens
 * "within a while" (grace periods, expiry sweeps). Fails with the last result seen when the
 * deadline passes, so a failing test says what it saw rather than only that it timed out.
 */
public final class Eventually {
  private static final long POLL_EVERY_MS = 50;

  private Eventually() {}

  public static <T> Future<T> poll(
      Vertx vertx, Supplier<Future<T>> read, Predicate<T> done, long deadlineMs) {
    Promise<T> result = Promise.promise();
    attempt(vertx, read, done, System.currentTimeMillis() + deadlineMs, result, null);
    return result.future();
  }

  /**
   * Completes after {@code ms}, for waiting past a grace period before checking nothing happened.
   */
  public static Future<Void> after(Vertx vertx, long ms) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(ms, id -> p.complete());
    return p.future();
  }

  private static <T> void attempt(
      Vertx vertx,
      Supplier<Future<T>> read,
      Predicate<T> done,
      long deadline,
      Promise<T> result,
      T last) {
    if (System.currentTimeMillis() > deadline) {
      result.fail(
          new TimeoutException("condition not met before the deadline; last seen: " + last));
      return;
    }
    read.get()
        .onComplete(
            ar -> {
              if (ar.failed()) {
                result.fail(ar.cause());
              } else if (done.test(ar.result())) {
                result.complete(ar.result());
              } else {
                vertx.setTimer(
                    POLL_EVERY_MS, id -> attempt(vertx, read, done, deadline, result, ar.result()));
              }
            });
  }
}
