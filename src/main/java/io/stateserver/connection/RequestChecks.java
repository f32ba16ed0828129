package io.stateserver.connection;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.KeyPattern;
import io.stateserver.protocol.Keys;
import io.stateserver.protocol.Request;
import io.stateserver.protocol.StateException;
import io.stateserver.protocol.WholeNumbers;
import io.stateserver.security.Principal;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The checks a request passes before it reaches the state: access rules, system keys, sizes and
 * limits. Shared by the WebSocket and HTTP edges so that both refuse the same things with the same
 * codes. Each check throws a {@link StateException}.
 */
final class RequestChecks {
  static final int DEFAULT_LIST_LIMIT = 1000;

  private final ConnectionContext ctx;

  RequestChecks(ConnectionContext ctx) {
    this.ctx = ctx;
  }

  /** A valid key the principal may write; {@code $} keys are the server's own. */
  String writableKey(Principal principal, String rawKey) {
    String key = Keys.validate(rawKey);
    if (Keys.isSystem(key)) {
      throw new StateException(ErrorCode.FORBIDDEN, "keys starting with '$' are read-only");
    }
    if (!ctx.access().canWrite(principal, key)) {
      throw new StateException(ErrorCode.FORBIDDEN, "no write access to this key");
    }
    return key;
  }

  void readable(Principal principal, String key) {
    if (!ctx.access().canReadKey(principal, key)) {
      throw new StateException(ErrorCode.FORBIDDEN, "no read access to this key");
    }
  }

  void readable(Principal principal, KeyPattern pattern) {
    if (!ctx.access().canRead(principal, pattern)) {
      throw new StateException(ErrorCode.FORBIDDEN, "no read access to this pattern");
    }
  }

  /**
   * The encoded value (or patch) fits {@code limits.maxValueBytes}, and holds no unpaired UTF-16
   * surrogate (a {@code "\ud800"} escape is valid JSON, but UTF-8 cannot carry it: it would be
   * stored as {@code "?"}, a value the client did not write).
   */
  void validValue(String json) {
    if (hasUnpairedSurrogate(json)) {
      throw StateException.badRequest("value holds an unpaired surrogate (\\ud800-\\udfff)");
    }
    int max = ctx.config().limits().maxValueBytes();
    // a char is at most 3 UTF-8 bytes, so only long strings need the exact count
    if (json.length() > max / 3 && json.getBytes(StandardCharsets.UTF_8).length > max) {
      throw new StateException(
          ErrorCode.TOO_LARGE,
          "value larger than " + max + " bytes",
          new JsonObject().put("maxValueBytes", max));
    }
  }

  static boolean hasUnpairedSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
        } else {
          return true;
        }
      } else if (Character.isLowSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  /** The {@code limit} of a {@code list}: 1000 by default, at most {@code limits.maxListLimit}. */
  int listLimit(Request request) {
    Long limit = request.optionalPositiveLong("limit");
    if (limit == null) {
      return DEFAULT_LIST_LIMIT;
    }
    int max = ctx.config().limits().maxListLimit();
    if (limit > max) {
      throw StateException.badRequest("field 'limit' must be at most " + max);
    }
    return limit.intValue();
  }

  /** One more subscription fits {@code limits.maxSubscriptions}. */
  void subscriptionRoom(int current) {
    int max = ctx.config().limits().maxSubscriptions();
    if (current >= max) {
      throw new StateException(
          ErrorCode.LIMIT_EXCEEDED,
          "too many subscriptions (at most " + max + ")",
          new JsonObject().put("limit", max));
    }
  }

  /**
   * The {@code known} versions of a {@code sub} that match its pattern (other keys are ignored).
   * Every name must be a key ({@code invalid_key} otherwise): the matching that decides what is
   * ignored and what may be listed in {@code removed} is defined for keys only.
   */
  static Map<String, Long> knownVersions(JsonObject known, KeyPattern pattern) {
    Map<String, Long> result = new LinkedHashMap<>();
    if (known == null) {
      return result;
    }
    for (Map.Entry<String, Object> e : known) {
      Keys.validate(e.getKey());
      Long v = WholeNumbers.exact(e.getValue());
      if (v == null || v < 0) {
        throw StateException.badRequest("field 'known' must map keys to non-negative integers");
      }
      if (pattern.matches(e.getKey())) {
        result.put(e.getKey(), v);
      }
    }
    return result;
  }
}
