package io.stateserver.connection;

import io.stateserver.bus.Bus;
import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.stateserver.security.Principal;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Function;

/**
 * JSON responses of every HTTP route (state API, token endpoint, admin API), and the one place
 * where error codes become HTTP responses: the status, {@code Retry-After} from {@code
 * retryAfterMs}, {@code WWW-Authenticate} on 401, and the error object in the body.
 */
final class HttpReplies {
  private HttpReplies() {}

  /**
   * Runs {@code op} for the principal of the request's bearer token. A missing or bad token, and
   * any failure of {@code op} (thrown or as a failed future), become the error response.
   */
  static void authenticated(
      ConnectionContext ctx, RoutingContext rc, Function<Principal, Future<?>> op) {
    String token = BearerToken.fromHeaders(rc.request().headers());
    if (token == null) {
      fail(rc, new StateException(ErrorCode.UNAUTHORIZED, "missing bearer token"));
      return;
    }
    ctx.verifier()
        .verify(token)
        .compose(
            p -> {
              try {
                return op.apply(p);
              } catch (StateException e) {
                return Future.failedFuture(e);
              }
            })
        .onFailure(t -> fail(rc, Bus.asStateException(t)));
  }

  static void json(RoutingContext rc, int status, JsonObject body) {
    if (rc.response().ended()) {
      return;
    }
    rc.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        // secrets and tokens travel in these bodies: never cache them
        .putHeader("Cache-Control", "no-store")
        .end(body.encode());
  }

  static void fail(RoutingContext rc, StateException e) {
    fail(rc, e, e.code().httpStatus());
  }

  static void fail(RoutingContext rc, StateException e, int status) {
    if (rc.response().ended()) {
      return;
    }
    Object retry = e.details().getValue("retryAfterMs");
    if (retry instanceof Number n) {
      rc.response()
          .putHeader("Retry-After", String.valueOf(Math.max(1, (n.longValue() + 999) / 1000)));
    }
    if (e.code() == ErrorCode.UNAUTHORIZED) {
      rc.response().putHeader("WWW-Authenticate", "Bearer");
    }
    json(rc, status, new JsonObject().put("error", e.toErrorJson()));
  }

  /** The request body as a JSON object, or {@code bad_request}. */
  static JsonObject bodyObject(RoutingContext rc) {
    try {
      JsonObject body = rc.body().asJsonObject();
      if (body == null) {
        throw StateException.badRequest("a JSON object body is required");
      }
      return body;
    } catch (RuntimeException e) {
      if (e instanceof StateException se) {
        throw se;
      }
      throw StateException.badRequest("body is not a JSON object");
    }
  }

  /** A required string field of a body, or {@code bad_request}. */
  static String requireString(JsonObject body, String field) {
    if (!(body.getValue(field) instanceof String value)) {
      throw StateException.badRequest("field '" + field + "' must be a string");
    }
    return value;
  }
}
