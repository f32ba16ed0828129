package io.stateserver.connection;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.stateserver.protocol.StateException;
import java.util.List;

/**
 * Reads one parameter of a raw query string (no query, or no such parameter: null); a query that is
 * not validly percent-encoded is {@code bad_request}.
 */
final class QueryParams {
  private QueryParams() {}

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
   * The {@code pattern} parameter, where a {@code +} that is a whole segment is the wildcard, as
   * typed by hand ({@code ?pattern=devices/+/temp}, from curl or a shell script), and any other
   * {@code +} is a space, as query encoders send one ({@code after} and {@code limit} are read with
   * {@link #get}: a key never holds a {@code +}). A segment that is one space must be sent as
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
    return get(String.join("&", params), "pattern");
  }
}
