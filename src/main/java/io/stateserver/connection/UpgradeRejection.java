package io.stateserver.connection;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocketHandshake;
import java.lang.reflect.Field;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses a WebSocket upgrade with {@code 429 Too Many Requests} and a {@code Retry-After} header.
 *
 * <p>Vert.x's {@link ServerWebSocketHandshake#reject(int)} takes no headers, so the header is put
 * on the response of the HTTP/1.1 request behind the handshake (a private field of Vert.x's
 * implementation) before rejecting. Should a Vert.x version no longer have that field, the upgrade
 * is still refused with 429, only without the header (logged once; UpgradeLimitsIT fails).
 */
final class UpgradeRejection {
  private static final Logger log = LoggerFactory.getLogger(UpgradeRejection.class);
  static final int TOO_MANY_REQUESTS = 429;
  private static volatile boolean warned;
  private static volatile Field requestField;

  private UpgradeRejection() {}

  static void tooManyRequests(ServerWebSocketHandshake hs, long retryAfterMs) {
    HttpServerResponse response = responseOf(hs);
    if (response != null) {
      response.putHeader("Retry-After", String.valueOf(Math.max(1, (retryAfterMs + 999) / 1000)));
    }
    hs.reject(TOO_MANY_REQUESTS);
  }

  private static HttpServerResponse responseOf(ServerWebSocketHandshake hs) {
    try {
      // Looked up once: refused upgrades are the path a flooding address hits.
      Field field = requestField;
      if (field == null || field.getDeclaringClass() != hs.getClass()) {
        field = hs.getClass().getDeclaredField("request");
        field.setAccessible(true);
        requestField = field;
      }
      Object request = field.get(hs);
      if (request instanceof io.vertx.core.http.HttpServerRequest r) {
        return r.response();
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      if (!warned) {
        warned = true;
        log.warn("cannot add retry-after to refused upgrades [cause: {}]", e.toString());
      }
    }
    return null;
  }
}
