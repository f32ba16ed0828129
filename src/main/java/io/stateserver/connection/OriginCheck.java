package io.stateserver.connection;

import io.vertx.core.http.ServerWebSocketHandshake;
import java.util.List;
import java.util.Locale;

/**
 * Browser origin check for upgrades. No {@code Origin} header (non-browser clients such as Pis) is
 * fine; otherwise the origin must be on the allow-list, or, with an empty list, be the server's own
 * origin (same scheme, host and port as the request).
 */
final class OriginCheck {
  private OriginCheck() {}

  static boolean allowed(ServerWebSocketHandshake hs, List<String> allowedOrigins) {
    String origin = hs.headers().get("Origin");
    if (origin == null) {
      return true;
    }
    if (allowedOrigins != null && !allowedOrigins.isEmpty()) {
      // the configured origins are lower-cased (ConfigLoader)
      return allowedOrigins.contains(origin.toLowerCase(Locale.ROOT))
          || allowedOrigins.contains("*");
    }
    String host = hs.headers().get("Host");
    String scheme = hs.isSsl() ? "https://" : "http://";
    return host != null && origin.equalsIgnoreCase(scheme + host);
  }
}
