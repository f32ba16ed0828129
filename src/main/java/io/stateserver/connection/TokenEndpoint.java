package io.stateserver.connection;

import io.stateserver.bus.Addresses;
import io.stateserver.bus.Bus;
import io.stateserver.protocol.StateException;
import io.stateserver.security.RegistryOp;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /v1/auth/token} (PROTOCOL.md section 6): {@code {"clientId", "secret"}} to {@code
 * {"token", "expiresIn"}}. The registry verticle checks the rate limits, the secret (on a worker
 * thread) and the enabled flag; a wrong id or secret is one indistinguishable 401.
 */
final class TokenEndpoint {
  static final String PATH = "/v1/auth/token";
  private static final int MAX_BODY = 4096;

  private final ConnectionContext ctx;

  TokenEndpoint(ConnectionContext ctx) {
    this.ctx = ctx;
  }

  void mount(Router router) {
    JsonBodies.mount(router.post(PATH), MAX_BODY);
    router.post(PATH).handler(this::issue);
  }

  private void issue(RoutingContext rc) {
    RegistryOp.IssueToken request;
    try {
      JsonObject body = HttpReplies.bodyObject(rc);
      request =
          new RegistryOp.IssueToken(
              HttpReplies.requireString(body, "clientId"),
              HttpReplies.requireString(body, "secret"),
              rc.request().remoteAddress() == null
                  ? ""
                  : rc.request().remoteAddress().hostAddress());
    } catch (StateException e) {
      HttpReplies.fail(rc, e);
      return;
    }
    Bus.<RegistryOp.IssuedToken>request(ctx.vertx().eventBus(), Addresses.REGISTRY, request)
        .onSuccess(
            t ->
                HttpReplies.json(
                    rc,
                    200,
                    new JsonObject().put("token", t.token()).put("expiresIn", t.expiresIn())))
        .onFailure(t -> HttpReplies.fail(rc, Bus.asStateException(t)));
  }
}
