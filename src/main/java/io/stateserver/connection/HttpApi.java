package io.stateserver.connection;

import io.stateserver.bus.Addresses;
import io.stateserver.bus.Bus;
import io.stateserver.persistence.ReadQuery;
import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.FiniteNumbers;
import io.stateserver.protocol.JsonDepth;
import io.stateserver.protocol.KeyPattern;
import io.stateserver.protocol.Keys;
import io.stateserver.protocol.StateException;
import io.stateserver.security.Principal;
import io.stateserver.state.StoredEntry;
import io.stateserver.state.WriteCommand;
import io.stateserver.state.WriteOutcome;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/**
 * The state operations over HTTP (PROTOCOL.md section 7): {@code /v1/state/<key>} with ETag,
 * If-Match and If-None-Match, and {@code /v1/state?pattern=} for listing. Each request is one
 * message of its client id's rate budget (docs/rate-limiting.md). Errors are mapped to statuses
 * once, in {@link #fail}.
 */
final class HttpApi {
  private static final String STATE_PREFIX = "/v1/state/";

  private final ConnectionContext ctx;
  private final EventBus bus;
  private final RequestChecks checks;

  HttpApi(ConnectionContext ctx) {
    this.ctx = ctx;
    this.bus = ctx.vertx().eventBus();
    this.checks = new RequestChecks(ctx);
  }

  void mount(Router router) {
    int maxBody = ctx.config().limits().maxValueBytes() * 2 + 1024;
    JsonBodies.mount(router.route("/v1/state*"), maxBody);
    // Vert.x routes "/v1/state/" here too: that is the key "", which is invalid_key, not a list
    router
        .route("/v1/state")
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(
            rc ->
                authenticated(
                    rc,
                    p ->
                        rc.request().path().startsWith(STATE_PREFIX) ? onKey(rc, p) : list(rc, p)));
    router.route("/v1/state/*").handler(rc -> authenticated(rc, p -> onKey(rc, p)));
  }

  /**
   * Runs {@code op} for an authenticated request that its client id's rate budget admits. Every
   * request is charged, as every WebSocket message is, invalid ones too: a client may not get over
   * HTTP what its budget refuses on a WebSocket. A request without a valid token is refused before
   * it is charged, since it names no client whose budget it could use.
   */
  private void authenticated(RoutingContext rc, Function<Principal, Future<?>> op) {
    Context context = ctx.vertx().getOrCreateContext();
    HttpReplies.authenticated(ctx, rc, p -> admitted(rc, p, context).compose(v -> op.apply(p)));
  }

  /** Charges one message and the body's bytes to the client's budget, or fails rate_limited. */
  private Future<Void> admitted(RoutingContext rc, Principal p, Context context) {
    Buffer body = rc.body().buffer();
    long bytes = body == null ? 0 : body.length();
    return ctx.rateLimits()
        .requestGate()
        .admit(p.clientId(), bytes, context)
        .compose(
            verdict ->
                verdict.allowed()
                    ? Future.succeededFuture()
                    : Future.failedFuture(
                        new StateException(
                            ErrorCode.RATE_LIMITED,
                            "rate limit exceeded",
                            new JsonObject().put("retryAfterMs", verdict.retryAfterMs()))));
  }

  private Future<?> onKey(RoutingContext rc, Principal p) {
    if (!rc.request().path().startsWith(STATE_PREFIX)) {
      // "/v1/state/*" also matches "/v1/state" itself, which only lists (routed before)
      rc.response().putHeader("Allow", "GET, HEAD");
      return fail(rc, StateException.badRequest("method not allowed"), 405);
    }
    String key = Keys.validate(decodeKey(rc.request().path()));
    HttpMethod method = rc.request().method();
    if (HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method)) {
      // a HEAD is answered as a GET; Vert.x leaves out its body
      return get(rc, p, key);
    }
    if (!HttpMethod.PUT.equals(method)
        && !HttpMethod.PATCH.equals(method)
        && !HttpMethod.DELETE.equals(method)) {
      // the method first: a key the caller may not write is no reason to hide that it is wrong
      rc.response().putHeader("Allow", "GET, HEAD, PUT, PATCH, DELETE");
      return fail(rc, StateException.badRequest("method not allowed"), 405);
    }
    checks.writableKey(p, key);
    if (HttpMethod.PUT.equals(method)) {
      String value = bodyJson(rc);
      return write(
          rc,
          new WriteCommand.Set(key, value, ifVersion(rc), false, null, p.clientId(), null),
          false);
    }
    if (HttpMethod.PATCH.equals(method)) {
      String type = rc.request().getHeader("Content-Type");
      if (type == null || !type.toLowerCase().startsWith("application/merge-patch+json")) {
        rc.response().setStatusCode(415);
        return fail(rc, StateException.badRequest("PATCH takes application/merge-patch+json"), 415);
      }
      return write(
          rc, new WriteCommand.Patch(key, bodyJson(rc), ifVersion(rc), p.clientId()), true);
    }
    return write(rc, new WriteCommand.Delete(key, ifVersion(rc), p.clientId()), false);
  }

  /**
   * A write's {@code If-Match}: one version, since a write compares and sets one; null without one,
   * and a header that names none is a 400.
   */
  private static Long ifMatch(RoutingContext rc) {
    String header = rc.request().getHeader("If-Match");
    if (header == null) {
      return null;
    }
    Long version = EntityTags.version(header);
    if (version == null) {
      throw StateException.badRequest("If-Match must be a version ETag such as \"3\"");
    }
    return version;
  }

  /**
   * A conditional {@code GET} (or {@code HEAD}) as HTTP has it: an {@code If-Match} the key does
   * not match is {@code 412} with the key's version, as a write's is; an {@code If-None-Match} it
   * matches is {@code 304}, so that a device polling over HTTP fetches a value only when it
   * changed.
   */
  private Future<?> get(RoutingContext rc, Principal p, String key) {
    checks.readable(p, key);
    EntityTags.Condition ifMatch =
        EntityTags.Condition.of("If-Match", rc.request().getHeader("If-Match"));
    EntityTags.Condition ifNoneMatch =
        EntityTags.Condition.of("If-None-Match", rc.request().getHeader("If-None-Match"));
    return Bus.<StoredEntry>request(bus, Addresses.PERSISTENCE_READ, new ReadQuery.Get(key))
        .onSuccess(
            e -> {
              long current = e.exists() ? e.version() : 0;
              if (ifMatch != null && !ifMatch.matches(e.exists(), current)) {
                fail(rc, StateException.versionConflict(current));
                return;
              }
              if (!e.exists()) {
                fail(rc, new StateException(ErrorCode.NOT_FOUND, "no such key"));
                return;
              }
              rc.response().putHeader("ETag", EntityTags.of(current));
              if (ifNoneMatch != null && ifNoneMatch.matches(true, current)) {
                rc.response().setStatusCode(304).end();
                return;
              }
              Buffer value = Buffer.buffer(e.valueJson());
              // set here because Vert.x leaves it out of a HEAD, which should carry GET's
              rc.response()
                  .putHeader("Content-Type", "application/json")
                  .putHeader("Content-Length", String.valueOf(value.length()))
                  .end(value);
            });
  }

  private Future<?> write(RoutingContext rc, WriteCommand command, boolean withValue) {
    return Bus.<WriteOutcome>request(bus, Addresses.STATE_WRITE, command)
        .compose(o -> o.succeeded() ? Future.succeededFuture(o) : Future.failedFuture(o.error()))
        .onSuccess(
            o -> {
              long version = o.entry().version();
              String body =
                  withValue
                      ? "{\"version\":" + version + ",\"value\":" + o.entry().valueJson() + "}"
                      : "{\"version\":" + version + "}";
              rc.response()
                  .putHeader("ETag", EntityTags.of(version))
                  .putHeader("Content-Type", "application/json")
                  .end(body);
            });
  }

  private Future<?> list(RoutingContext rc, Principal p) {
    String query = rc.request().query();
    String patternText = QueryParams.pattern(query);
    if (patternText == null) {
      throw StateException.badRequest("query parameter 'pattern' is required");
    }
    KeyPattern pattern = KeyPattern.parse(patternText);
    checks.readable(p, pattern);
    // PROTOCOL.md's template shows "limit=&after=": empty means absent
    int limit =
        parseLimit(emptyAsAbsent(QueryParams.strict(query, "limit", ErrorCode.BAD_REQUEST)));
    // after is a key, so bytes that are not UTF-8 are invalid_key, as other bad keys there are
    String after = emptyAsAbsent(QueryParams.strict(query, "after", ErrorCode.INVALID_KEY));
    if (after != null) {
      Keys.validate(after);
    }
    // pages are cut at maxFrameBytes, as over a WebSocket: the reply is built in memory
    return new ListPager(
            scan -> Bus.request(bus, Addresses.PERSISTENCE_READ, scan),
            ctx.config().limits().maxValueBytes())
        .page(pattern, after, limit, ctx.config().limits().maxFrameBytes())
        .onSuccess(
            page -> {
              StringBuilder sb = new StringBuilder("{\"entries\":").append(page.entriesJson());
              if (page.next() != null) {
                sb.append(",\"next\":").append(Json.encode(page.next()));
              }
              sb.append('}');
              rc.response().putHeader("Content-Type", "application/json").end(sb.toString());
            });
  }

  private static String emptyAsAbsent(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  private int parseLimit(String text) {
    if (text == null) {
      return RequestChecks.DEFAULT_LIST_LIMIT;
    }
    int max = ctx.config().limits().maxListLimit();
    try {
      int limit = Integer.parseInt(text);
      if (limit >= 1 && limit <= max) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // fall through to the error below
    }
    throw StateException.badRequest("query parameter 'limit' must be an integer from 1 to " + max);
  }

  /** {@code If-Match: "7"} is ifVersion 7; {@code If-None-Match: *} is ifVersion 0. */
  private static Long ifVersion(RoutingContext rc) {
    Long ifMatch = ifMatch(rc);
    if (ifMatch != null) {
      return ifMatch;
    }
    String ifNoneMatch = rc.request().getHeader("If-None-Match");
    if (ifNoneMatch != null) {
      if ("*".equals(ifNoneMatch.trim())) {
        return 0L;
      }
      throw StateException.badRequest("only If-None-Match: * is supported");
    }
    return null;
  }

  private String bodyJson(RoutingContext rc) {
    Buffer body = rc.body().buffer();
    if (body == null || body.length() == 0) {
      throw StateException.badRequest("a JSON body is required");
    }
    int max = ctx.config().limits().maxValueBytes();
    if (body.length() > max * 2 + 1024) {
      throw new StateException(ErrorCode.TOO_LARGE, "body too large");
    }
    // the value nests one level less than in a WebSocket request, where it sits in the request:
    // a value one transport takes, the other takes too
    if (JsonDepth.exceeds(body.toString(StandardCharsets.UTF_8), JsonDepth.MAX_REQUEST_DEPTH - 1)) {
      throw StateException.badRequest("json nested too deeply");
    }
    String json;
    try {
      Object value = Json.decodeValue(body);
      FiniteNumbers.require(value, "body");
      json = Json.encode(value);
    } catch (DecodeException e) {
      throw StateException.badRequest("body is not valid JSON");
    }
    checks.validValue(json);
    return json;
  }

  private static String decodeKey(String path) {
    try {
      return PercentDecoding.pathComponent(path.substring(STATE_PREFIX.length()));
    } catch (PercentDecoding.Malformed e) {
      throw new StateException(ErrorCode.INVALID_KEY, "key is " + e.getMessage());
    }
  }

  private static Future<?> fail(RoutingContext rc, StateException e) {
    return fail(rc, e, e.code().httpStatus());
  }

  private static Future<?> fail(RoutingContext rc, StateException e, int status) {
    HttpReplies.fail(rc, e, status);
    return Future.succeededFuture();
  }
}
