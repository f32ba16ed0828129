package io.stateserver.connection;

import io.stateserver.bus.Addresses;
import io.stateserver.bus.Bus;
import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.stateserver.security.ClientInfo;
import io.stateserver.security.Principal;
import io.stateserver.security.RegistryOp;
import io.stateserver.security.RevocationStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The admin API (PROTOCOL.md section 7), for tokens with the role {@code admin} only: register,
 * list, disable, enable and rotate the secret of clients, and revoke tokens. No token or an invalid
 * one is 401, any other role 403.
 */
final class AdminApi {
  private static final int MAX_BODY = 16 * 1024;

  private final ConnectionContext ctx;

  AdminApi(ConnectionContext ctx) {
    this.ctx = ctx;
  }

  void mount(Router router) {
    router.route("/v1/admin/*").handler(BodyHandler.create(false).setBodyLimit(MAX_BODY));
    router.post("/v1/admin/clients").handler(rc -> asAdmin(rc, p -> register(rc)));
    router.get("/v1/admin/clients").handler(rc -> asAdmin(rc, p -> list(rc)));
    router
        .post("/v1/admin/clients/:id/disable")
        .handler(rc -> asAdmin(rc, p -> setEnabled(rc, false)));
    router
        .post("/v1/admin/clients/:id/enable")
        .handler(rc -> asAdmin(rc, p -> setEnabled(rc, true)));
    router.post("/v1/admin/clients/:id/rotate-secret").handler(rc -> asAdmin(rc, p -> rotate(rc)));
    router.post("/v1/admin/revoke").handler(rc -> asAdmin(rc, p -> revoke(rc)));
  }

  /** As {@link HttpReplies#authenticated}, for principals with the role admin only. */
  private void asAdmin(RoutingContext rc, Function<Principal, Future<?>> op) {
    HttpReplies.authenticated(
        ctx,
        rc,
        p ->
            p.isAdmin()
                ? op.apply(p)
                : Future.failedFuture(
                    new StateException(ErrorCode.FORBIDDEN, "the admin API needs the role admin")));
  }

  private Future<?> register(RoutingContext rc) {
    JsonObject body = HttpReplies.bodyObject(rc);
    String clientId = HttpReplies.requireString(body, "clientId");
    if (!(body.getValue("roles") instanceof JsonArray array)) {
      throw StateException.badRequest("field 'roles' must be an array of strings");
    }
    List<String> roles = new ArrayList<>(array.size());
    for (Object role : array) {
      if (!(role instanceof String name)) {
        throw StateException.badRequest("field 'roles' must be an array of strings");
      }
      roles.add(name);
    }
    return this.<RegistryOp.ClientSecret>registry(new RegistryOp.Register(clientId, roles))
        .recover(
            t ->
                t instanceof StateException e && e.code() == ErrorCode.VERSION_CONFLICT
                    ? conflict(rc, e)
                    : Future.failedFuture(t))
        .onSuccess(
            s -> {
              if (s != null) {
                HttpReplies.json(rc, 201, secretJson(s));
              }
            });
  }

  /** An existing client id is 409 Conflict here (a {@code version_conflict} in the body). */
  private static Future<RegistryOp.ClientSecret> conflict(RoutingContext rc, StateException e) {
    HttpReplies.fail(rc, e, 409);
    return Future.succeededFuture(null);
  }

  private Future<?> list(RoutingContext rc) {
    return this.<RegistryOp.Clients>registry(new RegistryOp.ListClients())
        .onSuccess(
            clients -> {
              JsonArray out = new JsonArray();
              for (ClientInfo c : clients.clients()) {
                out.add(c.toJson());
              }
              HttpReplies.json(rc, 200, new JsonObject().put("clients", out));
            });
  }

  private Future<?> setEnabled(RoutingContext rc, boolean enabled) {
    String id = rc.pathParam("id");
    return this.<String>registry(new RegistryOp.SetEnabled(id, enabled))
        .onSuccess(
            v ->
                HttpReplies.json(
                    rc, 200, new JsonObject().put("clientId", id).put("enabled", enabled)));
  }

  private Future<?> rotate(RoutingContext rc) {
    return this.<RegistryOp.ClientSecret>registry(new RegistryOp.RotateSecret(rc.pathParam("id")))
        .onSuccess(s -> HttpReplies.json(rc, 200, secretJson(s)));
  }

  private Future<?> revoke(RoutingContext rc) {
    JsonObject body = HttpReplies.bodyObject(rc);
    String jti = HttpReplies.requireString(body, "jti");
    Object expiresAt = body.getValue("expiresAt");
    if (expiresAt != null && !(expiresAt instanceof Number)) {
      throw StateException.badRequest("field 'expiresAt' must be epoch seconds");
    }
    long expiry = expiresAt == null ? RevocationStore.NEVER : ((Number) expiresAt).longValue();
    return this.<String>registry(new RegistryOp.Revoke(jti, expiry))
        .onSuccess(
            v -> HttpReplies.json(rc, 200, new JsonObject().put("jti", jti).put("revoked", true)));
  }

  private <T> Future<T> registry(RegistryOp op) {
    return Bus.request(ctx.vertx().eventBus(), Addresses.REGISTRY, op);
  }

  private static JsonObject secretJson(RegistryOp.ClientSecret s) {
    return new JsonObject().put("clientId", s.clientId()).put("secret", s.secret());
  }
}
