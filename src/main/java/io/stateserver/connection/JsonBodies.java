package io.stateserver.connection;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.PlatformHandler;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the JSON bodies of the HTTP routes (state API, token endpoint, admin API) whatever their
 * {@code Content-Type} says, and answers every failure on those routes in the JSON error format.
 *
 * <p>Why: Vert.x's {@code BodyHandler} decodes a body sent as a form ({@code curl -d} sends {@code
 * application/x-www-form-urlencoded} unless told otherwise) into form fields, and that decoding
 * fails on a JSON value holding a {@code %} or longer than its field limit, with a plain-text 400.
 * These routes take nothing but JSON, so a form type is dropped before the body is read. A body
 * over the limit, or any other failure that reaches the router, becomes the protocol's error object
 * instead of Vert.x's plain-text page.
 */
final class JsonBodies {
  private static final Logger log = LoggerFactory.getLogger(JsonBodies.class);

  private JsonBodies() {}

  /**
   * Adds the body handlers, at most {@code limit} bytes, and the failure handler to {@code route}.
   */
  static void mount(Route route, long limit) {
    route
        .handler(new IgnoreFormType())
        .handler(BodyHandler.create(false).setBodyLimit(limit))
        .failureHandler(JsonBodies::onFailure);
  }

  /**
   * Drops a form {@code Content-Type}. A platform handler: Vert.x Web runs those before a route's
   * body handler, and refuses a plain handler there.
   */
  private static final class IgnoreFormType implements PlatformHandler {
    @Override
    public void handle(RoutingContext rc) {
      String type = rc.request().getHeader("Content-Type");
      if (type != null) {
        String lower = type.toLowerCase(Locale.ROOT);
        if (lower.startsWith("application/x-www-form-urlencoded")
            || lower.startsWith("multipart/")) {
          rc.request().headers().remove("Content-Type");
        }
      }
      rc.next();
    }
  }

  private static void onFailure(RoutingContext rc) {
    if (rc.failure() instanceof StateException e) {
      HttpReplies.fail(rc, e);
      return;
    }
    int status = rc.statusCode();
    StateException error;
    if (status == 413) {
      error = new StateException(ErrorCode.TOO_LARGE, "request body too large");
    } else if (status >= 400 && status < 500) {
      error = StateException.badRequest("bad request");
    } else {
      log.error(
          "http request failed [method: {}, path: {}]",
          rc.request().method(),
          rc.request().path(),
          rc.failure());
      error = new StateException(ErrorCode.INTERNAL, "internal error");
      status = 500;
    }
    HttpReplies.fail(rc, error, status);
  }
}
