package io.stateserver.connection;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;

/** Reads one parameter of a raw query string (no query, or no such parameter: null). */
final class QueryParams {
  private QueryParams() {}

  /**
   * As {@link #get}, but a {@code +} is a plus, as RFC 3986 has it, not a space as in HTML forms:
   * patterns use {@code +} as a wildcard, and {@code ?pattern=devices/+/temp} typed by hand (curl,
   * a shell script) would otherwise ask for a segment that is one space, and silently match
   * nothing.
   */
  static String getPlusLiteral(String query, String name) {
    return get(query == null ? null : query.replace("+", "%2B"), name);
  }

  static String get(String query, String name) {
    if (query == null || query.isEmpty()) {
      return null;
    }
    List<String> values = new QueryStringDecoder(query, false).parameters().get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
