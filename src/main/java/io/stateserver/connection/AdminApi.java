package io.stateserver.connection;

import io.stateserver.bus.Addresses;
import io.stateserver.bus.Bus;
import io.stateserver.persistence.ReadQuery;
import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.stateserver.protocol.WholeNumbers;
import io.stateserver.security.ClientInfo;
import io.stateserver.security.Principal;
import io.stateserver.security.RegistryOp;
import io.stateserver.security.RevocationStore;
import io.stateserver.state.StoredEntry;
import io.stateserver.state.WriteCommand;
import io.stateserver.state.WriteOutcome;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API (PROTOCOL.md section 7), for tokens with the role {@code admin} only: register,
 * list, disable, enable and rotate the secret of clients, and revoke tokens; and, an addition, the
 * fleet switch-over ({@link Switchover}): set, read and cancel. No token or an invalid one is 401,
 * any other role 403.
 */
final class AdminApi {
  private static final Logger log = LoggerFactory.getLogger(AdminApi.class);
  private static final int MAX_BODY = 16 * 1024;
  private static final String SWITCHOVER = "/v1/admin/switchover";

  private final ConnectionContext ctx;

  AdminApi(ConnectionContext ctx) {
    this.ctx = ctx;
  }

  void mount(Router router) {
    JsonBodies.mount(router.route("/v1/admin/*"), MAX_BODY);
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
    router.post(SWITCHOVER).handler(rc -> asAdmin(rc, p -> switchOver(rc, p)));
    router.get(SWITCHOVER).handler(rc -> asAdmin(rc, p -> switchoverState(rc)));
    router.delete(SWITCHOVER).handler(rc -> asAdmin(rc, p -> cancelSwitchover(rc, p)));
  }

  /**
   * Sets the switch-over: a durable write of {@link Switchover#KEY}, which reaches every node as a
   * change and sends every client there a goaway with the url.
   */
  private Future<?> switchOver(RoutingContext rc, Principal p) {
    Switchover.Target target =
        Switchover.Target.fromRequest(
            HttpReplies.bodyObject(rc),
            System.currentTimeMillis(),
            ctx.config().http().tlsEnabled());
    String value = target.toJson().encode();
    return stateWrite(
            new WriteCommand.Set(Switchover.KEY, value, null, false, null, p.clientId(), null))
        .onSuccess(
            o -> {
              log.info(
                  "fleet switch-over requested [by: {}, url: {}, reconnect ms: {}]",
                  p.clientId(),
                  target.url(),
                  target.reconnectMs());
              HttpReplies.json(rc, 200, switchoverJson(target).put("version", o.entry().version()));
            });
  }

  private Future<?> switchoverState(RoutingContext rc) {
    return Bus.<StoredEntry>request(
            ctx.vertx().eventBus(), Addresses.PERSISTENCE_READ, new ReadQuery.Get(Switchover.KEY))
        .onSuccess(
            e -> {
              Switchover.Target target =
                  e.exists() ? Switchover.Target.fromStored(e.valueJson()) : null;
              JsonObject state = switchoverJson(target);
              // as the POST answers it: what an operator compares with the key's changes
              HttpReplies.json(rc, 200, target == null ? state : state.put("version", e.version()));
            });
  }

  /** Cancels the switch-over; cancelling none is no error (the outcome is the same). */
  private Future<?> cancelSwitchover(RoutingContext rc, Principal p) {
    return stateWrite(new WriteCommand.Delete(Switchover.KEY, null, p.clientId()))
        .recover(
            t ->
                t instanceof StateException e && e.code() == ErrorCode.NOT_FOUND
                    ? Future.succeededFuture(null)
                    : Future.failedFuture(t))
        .onSuccess(
            o -> {
              log.info("fleet switch-over cancel requested [by: {}]", p.clientId());
              HttpReplies.json(rc, 200, switchoverJson(null));
            });
  }

  private static JsonObject switchoverJson(Switchover.Target target) {
    return target == null
        ? new JsonObject().put("active", false)
        : new JsonObject().put("active", true).mergeIn(target.toJson());
  }

  private Future<WriteOutcome> stateWrite(WriteCommand command) {
    return Bus.<WriteOutcome>request(ctx.vertx().eventBus(), Addresses.STATE_WRITE, command)
        .compose(o -> o.succeeded() ? Future.succeededFuture(o) : Future.failedFuture(o.error()));
  }

  /**
   * As {@link HttpReplies#authenticated}, for principals with the role admin only.
   *
   * <p>Not charged to the client id's rate budget, unlike the state API: the admin API is how an
   * operator stops a flooding client (disable, revoke, switch over), so it must still answer when
   * the admin's own client id has spent its budget on state traffic; its callers hold the most
   * trusted tokens there are, and what it does is rare and small. A non-admin token is refused with
   * 403 before any work, so the exemption gives ordinary clients nothing.
   */
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
    long expiry = RevocationStore.NEVER;
    if (expiresAt != null) {
      // exactly: a wrapped or cut number could end the revocation before the token expires
      Long seconds = expiresAt instanceof Number n ? WholeNumbers.exact(n) : null;
      if (seconds == null) {
        throw StateException.badRequest("field 'expiresAt' must be whole epoch seconds");
      }
      expiry = seconds;
    }
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
