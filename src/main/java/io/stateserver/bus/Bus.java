package io.stateserver.bus;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request/reply over local addresses with failures as {@link StateException}s: a handler replies
 * either its result or the StateException itself (local codecs pass objects through), so error
 * codes and details survive the hop without string parsing.
 */
public final class Bus {
  private static final Logger log = LoggerFactory.getLogger(Bus.class);

  /**
   * How long a requester waits for an answer before it answers {@code unavailable} itself (Vert.x's
   * default, which every request here uses unless it gives its own).
   */
  public static final long REQUEST_TIMEOUT_MS = DeliveryOptions.DEFAULT_TIMEOUT;

  private Bus() {}

  public static <T> Future<T> request(EventBus eventBus, String address, Object message) {
    return request(eventBus, address, message, REQUEST_TIMEOUT_MS);
  }

  /**
   * As {@link #request(EventBus, String, Object)}, answering unavailable after {@code timeoutMs}.
   */
  @SuppressWarnings("unchecked")
  public static <T> Future<T> request(
      EventBus eventBus, String address, Object message, long timeoutMs) {
    return eventBus
        .request(address, message, new DeliveryOptions().setSendTimeout(timeoutMs))
        .recover(Bus::translate)
        .compose(
            reply ->
                reply.body() instanceof StateException e
                    ? Future.failedFuture(e)
                    : Future.succeededFuture((T) reply.body()));
  }

  /** Replies the future's result, or its failure as a StateException. */
  public static void replyWith(Message<?> message, Future<?> result) {
    result.onComplete(
        ar -> {
          if (ar.succeeded()) {
            message.reply(ar.result());
          } else {
            message.reply(asStateException(ar.cause()));
          }
        });
  }

  /** Any failure as a StateException; unexpected ones become {@code internal} and are logged. */
  public static StateException asStateException(Throwable t) {
    if (t instanceof StateException e) {
      return e;
    }
    log.error("unexpected failure", t);
    return new StateException(ErrorCode.INTERNAL, "internal error");
  }

  private static <T> Future<T> translate(Throwable t) {
    if (t instanceof ReplyException re
        && (re.failureType() == ReplyFailure.NO_HANDLERS
            || re.failureType() == ReplyFailure.TIMEOUT)) {
      return Future.failedFuture(
          new StateException(
              ErrorCode.UNAVAILABLE,
              "service unavailable",
              new JsonObject().put("retryAfterMs", 1000)));
    }
    return Future.failedFuture(t);
  }
}
