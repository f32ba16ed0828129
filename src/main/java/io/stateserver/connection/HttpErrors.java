package io.stateserver.connection;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every HTTP failure the routes do not answer themselves (no such route, a method a path does not
 * take, a body over its limit, a path that is not validly encoded, a bug) answered with the
 * protocol's error object, as {@link HttpReplies} answers the others, instead of Vert.x Web's
 * plain-text or HTML pages.
 *
 * <p>Why: clients act on {@code error.code}; and Vert.x logs each failure no handler took as an
 * error with its stack trace, which anyone could fill the log with, without a token. Client errors
 * are logged at debug here; only a server error is logged as an error.
 */
final class HttpErrors {
  private static final Logger log = LoggerFactory.getLogger(HttpErrors.class);

  private HttpErrors() {}

  /**
   * Registers the catch-all failure handler, last, and the router's own answers: 404 and 405 when
   * no route takes a request, and the others for failures before any route is tried (a path that is
   * not validly percent-encoded is one).
   */
  static void mount(Router router) {
    router.route().failureHandler(HttpErrors::onFailure);
    for (int status : new int[] {400, 413, 500}) {
      router.errorHandler(status, rc -> answer(rc, status));
    }
    router.errorHandler(
        404, rc -> HttpReplies.fail(rc, new StateException(ErrorCode.NOT_FOUND, "no such route")));
    router.errorHandler(
        405, rc -> HttpReplies.fail(rc, StateException.badRequest("method not allowed"), 405));
  }

  static void onFailure(RoutingContext rc) {
    answer(rc, rc.statusCode());
  }

  private static void answer(RoutingContext rc, int status) {
    if (rc.failure() instanceof StateException e) {
      HttpReplies.fail(rc, e);
      return;
    }
    if (status >= 400 && status < 500) {
      log.debug(
          "http request refused [method: {}, status: {}, cause: {}]",
          rc.request().method(),
          status,
          rc.failure() == null ? "-" : rc.failure().getMessage());
      StateException error =
          status == 413
              ? new StateException(ErrorCode.TOO_LARGE, "request body too large")
              : status == 404
                  ? new StateException(ErrorCode.NOT_FOUND, "no such route")
                  : StateException.badRequest("bad request");
      HttpReplies.fail(rc, error, status);
      return;
    }
    log.error(
        "http request failed [method: {}, path: {}]",
        rc.request().method(),
        rc.request().path(),
        rc.failure());
    HttpReplies.fail(rc, new StateException(ErrorCode.INTERNAL, "internal error"), 500);
  }
}
