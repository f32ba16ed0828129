package io.stateserver.connection;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import java.util.List;

/**
 * Reads one parameter of a raw query string (no query, or no such parameter: null). A query that is
 * not validly percent-encoded is {@code bad_request}; a parameter of the state API whose bytes are
 * not UTF-8 fails with the code its caller names ({@link PercentDecoding}).
 */
final class QueryParams {
  private QueryParams() {}

  /**
   * A parameter of the WebSocket upgrade ({@code session}, {@code access_token}), which are ASCII:
   * bytes that are not UTF-8 are replaced, as before, and the value then matches no session and
   * verifies as no token. (Refusing them would need an answer to the upgrade of its own.)
   */
  static String get(String query, String name) {
    if (query == null || query.isEmpty()) {
      return null;
    }
    List<String> values;
    try {
      values = new QueryStringDecoder(query, false).parameters().get(name);
    } catch (IllegalArgumentException e) {
      throw StateException.badRequest("query string is not validly percent-encoded");
    }
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /**
   * A parameter of the HTTP state API, whose bytes must be UTF-8.
   *
   * @param malformed the error code of a value whose bytes are not UTF-8: what a value of that
   *     parameter would fail with if it were otherwise wrong ({@code invalid_key} for {@code
   *     after})
   */
  static String strict(String query, String name, ErrorCode malformed) {
    if (query == null || query.isEmpty()) {
      return null;
    }
    List<String> values;
    try {
      values = PercentDecoding.queryParameters(query).get(name);
    } catch (PercentDecoding.Malformed e) {
      throw StateException.badRequest("query string is not validly percent-encoded");
    }
    if (values == null || values.isEmpty()) {
      return null;
    }
    try {
      return PercentDecoding.utf8(values.get(0));
    } catch (PercentDecoding.Malformed e) {
      throw new StateException(malformed, "query parameter '" + name + "' is not valid UTF-8");
    }
  }

  /**
   * The {@code pattern} parameter, where a {@code +} that is a whole segment is the wildcard, as
   * typed by hand ({@code ?pattern=devices/+/temp}, from curl or a shell script), and any other
   * {@code +} is a space, as query encoders send one ({@code after} and {@code limit} are read with
   * {@link #strict}: a key never holds a {@code +}). A segment that is one space must be sent as
   * {@code %20}.
   */
  static String pattern(String query) {
    if (query == null) {
      return null;
    }
    String[] params = query.split("&", -1);
    for (int i = 0; i < params.length; i++) {
      if (params[i].startsWith("pattern=")) {
        String[] segments = params[i].substring("pattern=".length()).split("/", -1);
        for (int j = 0; j < segments.length; j++) {
          if (segments[j].equals("+")) {
            segments[j] = "%2B";
          }
        }
        params[i] = "pattern=" + String.join("/", segments);
      }
    }
    return strict(String.join("&", params), "pattern", ErrorCode.INVALID_PATTERN);
  }
}
