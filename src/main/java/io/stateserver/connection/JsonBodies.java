package io.stateserver.connection;

import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.PlatformHandler;
import java.util.Locale;

/**
 * Reads the JSON bodies of the HTTP routes (state API, token endpoint, admin API) whatever their
 * {@code Content-Type} says; a body over the limit is answered by {@link HttpErrors}.
 *
 * <p>Why: Vert.x's {@code BodyHandler} decodes a body sent as a form ({@code curl -d} sends {@code
 * application/x-www-form-urlencoded} unless told otherwise) into form fields, and that decoding
 * fails on a JSON value holding a {@code %} or longer than its field limit, with a plain-text 400.
 * These routes take nothing but JSON, so a form type is dropped before the body is read.
 */
final class JsonBodies {
  private JsonBodies() {}

  /** Adds the body handlers, for bodies of at most {@code limit} bytes, to {@code route}. */
  static void mount(Route route, long limit) {
    route.handler(new IgnoreFormType()).handler(BodyHandler.create(false).setBodyLimit(limit));
  }

  /**
   * Drops a form {@code Content-Type}. A platform handler: Vert.x Web runs those before a route's
   * body handler, and refuses a plain handler there.
   */
  private static final class IgnoreFormType implements PlatformHandler {
    @Override
    public void handle(RoutingContext rc) {
      String type = rc.request().getHeader("Content-Type");
      if (type != null) {
        String lower = type.toLowerCase(Locale.ROOT);
        if (lower.startsWith("application/x-www-form-urlencoded")
            || lower.startsWith("multipart/")) {
          rc.request().headers().remove("Content-Type");
        }
      }
      rc.next();
    }
  }
}
