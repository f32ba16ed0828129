package io.stateserver.connection;

import io.vertx.core.MultiMap;
import io.vertx.core.http.ServerWebSocketHandshake;

/** Finds the access token of a request: {@code Authorization: Bearer} or {@code access_token=}. */
final class BearerToken {
  private BearerToken() {}

  static String fromHandshake(ServerWebSocketHandshake hs) {
    String header = fromHeaders(hs.headers());
    return header != null ? header : QueryParams.get(hs.query(), "access_token");
  }

  static String fromHeaders(MultiMap headers) {
    String auth = headers.get("Authorization");
    if (auth == null) {
      return null;
    }
    auth = auth.trim();
    if (auth.length() > 7 && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      String token = auth.substring(7).trim();
      return token.isEmpty() ? null : token;
    }
    return null;
  }
}
