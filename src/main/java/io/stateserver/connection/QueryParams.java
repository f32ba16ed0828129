package io.stateserver.connection;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;

/** Reads one parameter of a raw query string (no query, or no such parameter: null). */
final class QueryParams {
  private QueryParams() {}

  static String get(String query, String name) {
    if (query == null || query.isEmpty()) {
      return null;
    }
    List<String> values = new QueryStringDecoder(query, false).parameters().get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
