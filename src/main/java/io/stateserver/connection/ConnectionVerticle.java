package io.stateserver.connection;

import io.stateserver.bus.Addresses;
import io.stateserver.config.ConfigException;
import io.stateserver.protocol.CloseCodes;
import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.stateserver.ratelimit.ConnectionCounts;
import io.stateserver.session.LeaseLost;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocketHandshake;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.nio.channels.UnresolvedAddressException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network edge (one instance per event loop, all sharing the port): WebSocket upgrades with
 * token check, the HTTP API, health and metrics. Each instance owns the connections it accepted and
 * one subscription index over them, fed by one local consumer of encoded changes.
 */
public final class ConnectionVerticle extends VerticleBase {
  private static final Logger log = LoggerFactory.getLogger(ConnectionVerticle.class);
  public static final String WS_PATH = "/v1/ws";

  /** The Retry-After of an upgrade refused for too many open connections (a hint only). */
  private static final long CONNECTION_LIMIT_RETRY_MS = 5_000;

  /** The goaway when the node's lease ran out: reconnect soon, to another node. */
  static final String LEASE_LOST_REASON = "node cannot reach the database";

  private static final long LEASE_LOST_RECONNECT_MS = 1_000;

  private final int port;
  private final Function<io.vertx.core.Vertx, ConnectionContext> contextFactory;
  private final Function<ConnectionContext, Router> routerFactory;
  private final List<ClientConnection> connections = new ArrayList<>();
  private ConnectionContext ctx;
  private HttpServer server;
  private HandshakeDeadline handshakeDeadline;
  private long deadlineTicker = -1;
  private long switchoverSeen;

  public ConnectionVerticle(
      int port,
      Function<io.vertx.core.Vertx, ConnectionContext> contextFactory,
      Function<ConnectionContext, Router> routerFactory) {
    this.port = port;
    this.contextFactory = contextFactory;
    this.routerFactory = routerFactory;
  }

  @Override
  public Future<?> start() {
    ctx = contextFactory.apply(vertx);
    // what the node read at start: an older change arriving later must not act
    switchoverSeen = ctx.switchover().version();
    var limits = ctx.config().limits();
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(ctx.config().http().host())
            .setPort(port)
            .setMaxWebSocketFrameSize(limits.maxFrameBytes())
            .setMaxWebSocketMessageSize(limits.maxFrameBytes())
            .setPerMessageWebSocketCompressionSupported(false)
            .setPerFrameWebSocketCompressionSupported(false)
            // h2c is not part of the protocol, and with it on the connection handler comes too
            // late for the handshake deadline (see HandshakeDeadline)
            .setHttp2ClearTextEnabled(false)
            .setTcpNoDelay(true)
            // Every HTTP response is written from this verticle's event loop, so Vert.x can write
            // it directly instead of through an MPSC queue with a 4 KiB chunk per connection
            // (S1: 15 KiB of live heap per connection instead of 20, tuning log 19). Since
            // UpgradeLeftovers lets the upgraded HTTP connection go, that saving is needed only
            // where the release cannot run; the direct write still saves a queue hop per response.
            // An off-loop write now fails loudly with IllegalStateException (for HTTP; for
            // WebSocket frames the same rule holds without the check: DirectControlWrites).
            .setStrictThreadMode(true);
    handshakeDeadline = new HandshakeDeadline(vertx, ctx.config().http().handshakeTimeoutMs());
    Router router = routerFactory.apply(ctx);
    ServerTls.apply(options, ctx.config().http());
    server =
        vertx
            .createHttpServer(options)
            .connectionHandler(handshakeDeadline::connected)
            .requestHandler(
                request -> {
                  handshakeDeadline.met(request.connection().remoteAddress());
                  router.handle(request);
                })
            .webSocketHandshakeHandler(this::onHandshake);
    var fanout =
        vertx.eventBus().<EncodedChange>localConsumer(Addresses.FANOUT, m -> onChange(m.body()));
    var leaseLost =
        vertx.eventBus().<LeaseLost>localConsumer(Addresses.LEASE_LOST, m -> onLeaseLost(m.body()));
    DeadlineWheel deadlines = ctx.deadlines();
    deadlineTicker = vertx.setPeriodic(deadlines.tickMs(), id -> deadlines.expire());
    return Future.all(fanout.completion(), leaseLost.completion())
        .compose(v -> server.listen().recover(this::listenRefused))
        .onSuccess(s -> log.info("listening [port: {}]", s.actualPort()));
  }

  /**
   * A host that does not resolve or is not this machine's, or a port in use or not allowed, is the
   * operator's to fix: said as a configuration error, naming the setting, not as a stack trace.
   */
  private Future<HttpServer> listenRefused(Throwable t) {
    // listen's I/O failures are about the address: a bind refused (java.net.BindException, or
    // Netty's NativeIoException on epoll), a name that does not resolve (UnknownHostException)
    if (t instanceof IOException || t instanceof UnresolvedAddressException) {
      return Future.failedFuture(
          new ConfigException(
              "cannot listen on "
                  + ctx.config().http().host()
                  + ":"
                  + ctx.config().http().port()
                  + " (STATE_HTTP_HOST, STATE_HTTP_PORT): "
                  + (t.getMessage() == null ? t.toString() : t.getMessage().strip()),
              t));
    }
    return Future.failedFuture(t);
  }

  /** The port actually bound (useful with port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(deadlineTicker);
    return server.close();
  }

  /**
   * The switch-over key changed: when it is set now, every client of this instance (but an
   * operator's, see {@link ClientConnection#switchOver}) is told to go to its url. Each instance
   * tells its own clients, so each follows the versions it has seen; the shared view ({@link
   * Switchover}) is for the connections that open from now on.
   */
  private void onSwitchover(EncodedChange change) {
    if (change.version() <= switchoverSeen) {
      return;
    }
    switchoverSeen = change.version();
    Switchover.Target target = Switchover.Target.fromStored(change.valueJson());
    // the first instance to see it logs it for the node
    if (ctx.switchover().update(change.version(), change.valueJson())) {
      if (target == null) {
        log.info("fleet switch-over cancelled [version: {}]", change.version());
      } else {
        log.info("fleet switch-over set [url: {}, version: {}]", target.url(), change.version());
      }
    }
    if (target != null) {
      for (ClientConnection c : new ArrayList<>(connections)) {
        c.switchOver();
      }
    }
  }

  /**
   * The node's lease ran out unrenewed (it cannot reach the database): every client of this
   * instance is told to reconnect, to another node, and resume its session there before the other
   * nodes end it. The server stays open: the node serves again once the database is back.
   */
  private void onLeaseLost(LeaseLost lost) {
    LongSupplier reconnectMs =
        ReconnectSpread.delays(
            LEASE_LOST_RECONNECT_MS,
            ctx.metrics().connections(),
            ReconnectSpread.leaseLostWindowMs(
                lost.ranOutAt(),
                System.currentTimeMillis(),
                LEASE_LOST_RECONNECT_MS,
                ctx.config().limits().sessionGraceMs()));
    for (ClientConnection c : new ArrayList<>(connections)) {
      c.leaseLost(LEASE_LOST_REASON, reconnectMs.getAsLong());
    }
  }

  /**
   * Tells every client of this instance to reconnect elsewhere, each after a delay from {@code
   * reconnectMs} ({@link ReconnectSpread}), then closes it (drain): each once the requests it sent
   * before are answered, and the HTTP requests in flight too, until {@code answerBy} (epoch ms) at
   * most.
   */
  public Future<Void> goAway(String reason, LongSupplier reconnectMs, long answerBy) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(
        v -> {
          // Shut the server down only once every goaway went out: that closes the sockets, and a
          // goaway queued behind it would be lost. Shut down, not closed: an HTTP request in
          // flight (a write on its way to the database) is answered first, within the grace.
          Future.join(
                  new ArrayList<>(connections)
                      .stream()
                          .map(c -> c.goAway(reason, reconnectMs.getAsLong(), null, answerBy))
                          .toList())
              .transform(
                  ar ->
                      server.shutdown(
                          Math.max(1, answerBy - System.currentTimeMillis()),
                          TimeUnit.MILLISECONDS))
              .onComplete(done);
        });
    return done.future();
  }

  private void onHandshake(ServerWebSocketHandshake hs) {
    if (!WS_PATH.equals(hs.path())) {
      hs.reject(404);
      return;
    }
    String address = hs.remoteAddress() == null ? "" : hs.remoteAddress().hostAddress();
    // before any other work, so that an address hammering the endpoint costs little
    long waitMs = ctx.rateLimits().tryUpgrade(address);
    if (waitMs > 0) {
      UpgradeRejection.tooManyRequests(hs, waitMs);
      return;
    }
    if (!OriginCheck.allowed(hs, ctx.config().http().allowedOrigins())) {
      hs.reject(403);
      return;
    }
    String token = BearerToken.fromHandshake(hs);
    if (token == null) {
      hs.reject(401);
      return;
    }
    String resume = QueryParams.get(hs.query(), "session");
    ctx.verifier()
        .verify(token)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                // 403 for a disabled client or revoked token, 401 for any other refusal
                hs.reject(
                    ar.cause() instanceof StateException e && e.code() == ErrorCode.FORBIDDEN
                        ? 403
                        : 401);
                return;
              }
              ConnectionCounts.Slot counted =
                  ctx.rateLimits().tryOpen(ar.result().clientId(), address);
              if (counted == null) {
                UpgradeRejection.tooManyRequests(hs, CONNECTION_LIMIT_RETRY_MS);
                return;
              }
              hs.accept()
                  .onFailure(t -> counted.release())
                  .onSuccess(
                      ws -> {
                        handshakeDeadline.met(hs.remoteAddress());
                        SocketWriter writer =
                            TextFrames.install(ws, ctx.config().http().consolidateFlushes());
                        if (writer == null) {
                          counted.release();
                          ws.close(CloseCodes.GOING_AWAY, "server error");
                          return;
                        }
                        UpgradeLeftovers.release(ws);
                        DirectControlWrites.apply(ws);
                        ClientConnection c =
                            new ClientConnection(
                                ctx,
                                ws,
                                writer,
                                context,
                                ar.result(),
                                closed -> {
                                  counted.release();
                                  connections.remove(closed);
                                });
                        connections.add(c);
                        c.start(resume);
                      });
            });
  }

  private void onChange(EncodedChange change) {
    if (change.key().equals(Switchover.KEY)) {
      onSwitchover(change);
    }
    Set<ClientConnection> targets = new HashSet<>();
    ctx.index().collect(change.key(), targets);
    int delivered = 0;
    for (ClientConnection c : targets) {
      if (c.onChange(change)) {
        delivered++;
      }
    }
    if (delivered > 0) {
      ctx.metrics().changesDelivered(delivered, change.ts(), change.caughtUp());
    }
  }
}
