package io.stateserver.app;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.stateserver.bus.Codecs;
import io.stateserver.cluster.BroadcastGaps;
import io.stateserver.cluster.CatchUpVerticle;
import io.stateserver.cluster.ClusterManagerFactory;
import io.stateserver.config.ConfigException;
import io.stateserver.config.DataDir;
import io.stateserver.config.ServerConfig;
import io.stateserver.connection.ConnectionVerticle;
import io.stateserver.connection.EdgeFactory;
import io.stateserver.connection.FanoutVerticle;
import io.stateserver.connection.LiveSessions;
import io.stateserver.connection.ReconnectSpread;
import io.stateserver.connection.ServerTls;
import io.stateserver.connection.Switchover;
import io.stateserver.metrics.BoundedHttpTags;
import io.stateserver.metrics.ServerMetrics;
import io.stateserver.persistence.BatchListener;
import io.stateserver.persistence.PersistenceVerticle;
import io.stateserver.ratelimit.RateLimitVerticle;
import io.stateserver.ratelimit.RateLimits;
import io.stateserver.security.AccessPolicy;
import io.stateserver.security.DenyList;
import io.stateserver.security.RegistryVerticle;
import io.stateserver.security.SecretHasher;
import io.stateserver.security.TokenVerifier;
import io.stateserver.session.SessionTiming;
import io.stateserver.session.SessionVerticle;
import io.stateserver.state.BroadcastCounter;
import io.stateserver.state.StateVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one node: Vert.x (clustered or not), codecs, then the verticles in dependency order
 * (persistence first, the network edge last, so that nothing is served before it can be answered).
 * Also the drain on SIGTERM.
 */
public final class StateServer {
  private static final Logger log = LoggerFactory.getLogger(StateServer.class);
  // the least a drained node's client waits before it reconnects; ReconnectSpread adds to it
  private static final long DRAIN_RECONNECT_MS = 1_000;

  private final Vertx vertx;
  private final ServerConfig config;
  private final List<ConnectionVerticle> edges;
  private final PersistenceVerticle persistence;
  private final ServerMetrics metrics;
  private final LiveSessions liveSessions;

  private StateServer(
      Vertx vertx,
      ServerConfig config,
      List<ConnectionVerticle> edges,
      PersistenceVerticle persistence,
      ServerMetrics metrics,
      LiveSessions liveSessions) {
    this.liveSessions = liveSessions;
    this.vertx = vertx;
    this.config = config;
    this.edges = edges;
    this.persistence = persistence;
    this.metrics = metrics;
  }

  /**
   * Starts a node. Must not be called on an event loop (it creates Vert.x and, when clustered,
   * reads the Hazelcast configuration file).
   */
  public static Future<StateServer> start(ServerConfig config) {
    if (config.cluster().enabled() && config.db().isEmbeddedH2()) {
      throw new ConfigException(
          "a clustered node needs a shared database: set STATE_DB_URL to PostgreSQL (or an H2"
              + " server URL jdbc:h2:tcp://...); the embedded H2 database belongs to one node only");
    }
    // A wrong certificate path fails here, before a clustered node spends time joining.
    ServerTls.check(config.http());
    // a set frame holds its value, its key (up to 256 bytes) and the request around them
    if (config.limits().maxFrameBytes() < config.limits().maxValueBytes() + 1024) {
      // allowed (a deployment may keep WebSocket frames small and write large values over HTTP),
      // but most likely a mistake
      log.warn(
          "frames are not larger than values: a value near its limit cannot be written or read"
              + " over WebSocket [limits.maxFrameBytes: {}, limits.maxValueBytes: {}]",
          config.limits().maxFrameBytes(),
          config.limits().maxValueBytes());
    }
    if (config.db().isEmbeddedH2()) {
      DataDir.ensurePrivate(config.dataDir());
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    // before any meter exists: a filter leaves the meters made before it as they are
    BoundedHttpTags.apply(registry);
    ServerMetrics metrics = new ServerMetrics(registry);
    // Native epoll where available: fewer syscalls and allocations per socket write than NIO.
    VertxOptions options =
        blockedThreadChecks(new VertxOptions(), config.eventLoopBlockedWarningMs())
            .setEventLoopPoolSize(eventLoops(config))
            .setPreferNativeTransport(true)
            .setMetricsOptions(
                new MicrometerMetricsOptions()
                    .setEnabled(true)
                    // Vert.x's defaults, named so that an upgrade cannot add one: the request
                    // path (HTTP_PATH) or the client's address (REMOTE) would make a series per
                    // value a client chooses. BoundedHttpTags bounds method and code.
                    .setLabels(
                        EnumSet.of(
                            Label.HTTP_METHOD,
                            Label.HTTP_CODE,
                            Label.POOL_TYPE,
                            Label.POOL_NAME,
                            Label.EB_SIDE))
                    // Per-address event-bus meters cost a registry lookup per message: 8% of
                    // event-loop time in the durable-write benchmark (S5) for figures no
                    // operator reads. The server's own state_* metrics cover its work.
                    .addDisabledMetricsCategory(MetricsDomain.EVENT_BUS));
    if (config.cluster().enabled()) {
      options.setEventBusOptions(ClusterManagerFactory.eventBusOptions(config.cluster()));
    }
    var builder = Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry));
    Future<Vertx> vertxFuture;
    HazelcastClusterManager clusterManager = null;
    if (config.cluster().enabled()) {
      clusterManager = ClusterManagerFactory.create(config.cluster());
      vertxFuture = builder.withClusterManager(clusterManager).buildClustered();
    } else {
      vertxFuture = Future.succeededFuture(builder.build());
    }
    HazelcastClusterManager cluster = clusterManager;
    return vertxFuture.compose(
        vertx ->
            vertx
                .executeBlocking(
                    () ->
                        BlockingParts.build(
                            vertx,
                            config,
                            metrics,
                            // only there once the node has joined
                            cluster == null ? null : cluster.getHazelcastInstance()),
                    false)
                .recover(t -> closeAfterFailure(vertx, t))
                .compose(
                    parts -> {
                      try {
                        return deploy(vertx, config, registry, metrics, parts);
                      } catch (RuntimeException e) {
                        return closeAfterFailure(vertx, e);
                      }
                    }));
  }

  /**
   * Vert.x's blocked-thread checker: a task that holds an event loop longer than {@code warningMs}
   * is logged with the stack where it is (Vert.x prints the stack only past 5 s by default, which
   * says nothing about a 300 ms block), and the checks come often enough to catch a block a little
   * over the limit (once a second by default, which misses most blocks shorter than that).
   */
  static VertxOptions blockedThreadChecks(VertxOptions options, long warningMs) {
    return options
        .setMaxEventLoopExecuteTime(warningMs)
        .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
        .setWarningExceptionTime(warningMs)
        .setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS)
        .setBlockedThreadCheckInterval(Math.max(10, Math.min(1_000, warningMs / 4)))
        .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS);
  }

  /**
   * Vert.x's default (two per core) unless configured. One per core left more CPU to the writer
   * thread: 10-22% more durable writes per second (S5), but a higher fan-out tail latency (S3 p99.9
   * 35-37 ms against 23-24 ms); docs/performance.md, tuning log 14.
   */
  static int eventLoops(ServerConfig config) {
    return config.eventLoops() > 0
        ? config.eventLoops()
        : VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
  }

  /**
   * What start-up builds with blocking calls: the key files are read and parsed, and the shared
   * rate-limit map is looked up in Hazelcast (a cluster call). On a worker thread, once: the
   * clustered build may complete on an event loop.
   */
  private record BlockingParts(
      DenyList denyList,
      TokenVerifier verifier,
      RateLimits rateLimits,
      HazelcastInstance hazelcast) {
    static BlockingParts build(
        Vertx vertx, ServerConfig config, ServerMetrics metrics, HazelcastInstance hazelcast) {
      ServerTls.load(vertx, config.http());
      DenyList denyList = new DenyList();
      return new BlockingParts(
          denyList,
          new TokenVerifier(vertx, config.jwt(), denyList),
          RateLimits.create(config.limits(), hazelcast, metrics),
          hazelcast);
    }
  }

  private static <T> Future<T> closeAfterFailure(Vertx vertx, Throwable t) {
    // Report the failure now: once Vert.x is closed, its event loops can no longer run the
    // listeners of a future completed after the close, so it would never complete. A
    // configuration error needs no stack trace: ServeCommand prints it as such.
    if (t instanceof ConfigException) {
      log.error("start failed [cause: {}]", t.getMessage());
    } else {
      log.error("start failed [cause: {}]", String.valueOf(t), t);
    }
    vertx.close();
    return Future.failedFuture(t);
  }

  private static Future<StateServer> deploy(
      Vertx vertx,
      ServerConfig config,
      PrometheusMeterRegistry registry,
      ServerMetrics metrics,
      BlockingParts parts) {
    Codecs.register(vertx.eventBus());
    SessionTiming timing = SessionTiming.forGrace(config.limits().sessionGraceMs());
    LiveSessions liveSessions = new LiveSessions();
    DenyList denyList = parts.denyList();
    TokenVerifier verifier = parts.verifier();
    RateLimits rateLimits = parts.rateLimits();
    // A newly disabled client or revoked token loses its live connections on this node.
    denyList.onNewDenial(() -> liveSessions.closeDenied(verifier::denied));
    AccessPolicy access = new AccessPolicy(config.roles());
    PersistenceVerticle persistence =
        new PersistenceVerticle(config.db(), config.limits().maxValueBytes(), batchMeters(metrics));
    List<ConnectionVerticle> edges = new CopyOnWriteArrayList<>();
    Switchover switchover = new Switchover();
    EdgeFactory edgeFactory =
        new EdgeFactory(
            config,
            liveSessions,
            access,
            verifier,
            metrics,
            timing,
            registry,
            rateLimits,
            switchover);
    int instances = config.http().instances() > 0 ? config.http().instances() : eventLoops(config);
    // Numbers this run's broadcasts: new at every start, so a restarted node never looks to its
    // peers like one that skipped numbers (BroadcastGaps).
    BroadcastCounter broadcasts =
        new BroadcastCounter(
            config.nodeId() + "/" + Long.toHexString(UUID.randomUUID().getLeastSignificantBits()));
    boolean clustered = parts.hazelcast() != null;
    Future<?> deployed =
        vertx
            .deployVerticle(persistence)
            .compose(
                id ->
                    Future.all(
                        vertx.deployVerticle(new RateLimitVerticle(rateLimits)),
                        vertx.deployVerticle(
                            new StateVerticle(
                                config.limits().ttlSweepMs(),
                                persistence::store,
                                broadcasts,
                                clustered ? BroadcastGaps.BEACON_INTERVAL_MS : 0)),
                        vertx.deployVerticle(
                            new SessionVerticle(config.nodeId(), timing, broadcasts, clustered)),
                        vertx.deployVerticle(
                            new FanoutVerticle(config.nodeId(), broadcasts.origin(), liveSessions)),
                        vertx.deployVerticle(
                            new RegistryVerticle(
                                () -> persistence.database(),
                                config,
                                denyList,
                                new SecretHasher(),
                                verifier.issuer(),
                                metrics::rateLimited)),
                        clustered
                            ? vertx.deployVerticle(new CatchUpVerticle(parts.hazelcast(), metrics))
                            : Future.succeededFuture()))
            .compose(v -> switchover.load(vertx.eventBus()))
            .compose(v -> deployEdges(vertx, edgeFactory, edges, instances));
    return deployed
        .map(v -> new StateServer(vertx, config, edges, persistence, metrics, liveSessions))
        .onSuccess(
            s ->
                log.info(
                    "state server started [node: {}, port: {}, clustered: {}, transport: {},"
                        + " event loops: {}, connection verticles: {}]",
                    config.nodeId(),
                    s.port(),
                    config.cluster().enabled(),
                    vertx.isNativeTransportEnabled() ? "epoll" : "nio",
                    eventLoops(config),
                    instances))
        .recover(t -> closeAfterFailure(vertx, t));
  }

  /** The group-commit writer's commits and retries, as {@code state_db_*} meters. */
  private static BatchListener batchMeters(ServerMetrics metrics) {
    return new BatchListener() {
      @Override
      public void batchCommitted(int commands, Duration took) {
        metrics.batchCommitted(commands, took);
      }

      @Override
      public void transactionRetried(boolean locking) {
        metrics.writeRetried(locking);
      }
    };
  }

  private static Future<String> deployEdges(
      Vertx vertx, EdgeFactory factory, List<ConnectionVerticle> edges, int count) {
    return vertx.deployVerticle(
        () -> {
          ConnectionVerticle edge = factory.newVerticle();
          edges.add(edge);
          return edge;
        },
        new DeploymentOptions().setInstances(count));
  }

  public int port() {
    return edges.get(0).actualPort();
  }

  public Vertx vertx() {
    return vertx;
  }

  public ServerConfig config() {
    return config;
  }

  public ServerMetrics metrics() {
    return metrics;
  }

  /**
   * Drains the node: stop accepting, answer what every client sent, then send it {@code goaway},
   * let in-flight writes commit (all of it bounded by {@code shutdownGraceMs}), then close Vert.x.
   */
  public Future<Void> drain() {
    log.info("draining [node: {}]", config.nodeId());
    LongSupplier reconnectMs =
        ReconnectSpread.delays(
            DRAIN_RECONNECT_MS,
            metrics.connections(),
            ReconnectSpread.drainWindowMs(config.limits().sessionGraceMs()));
    // one grace for all of it: answering what clients sent, the HTTP requests, the writes left
    long deadline = System.currentTimeMillis() + config.limits().shutdownGraceMs();
    return Future.all(
            edges.stream().map(e -> e.goAway("node draining", reconnectMs, deadline)).toList())
        .compose(v -> waitForIdleWrites(deadline))
        .compose(v -> vertx.close());
  }

  private Future<Void> waitForIdleWrites(long deadline) {
    Promise<Void> done = Promise.promise();
    vertx.setPeriodic(
        0,
        50,
        id -> {
          if ((liveSessions.quiet() && persistence.idle())
              || System.currentTimeMillis() > deadline) {
            vertx.cancelTimer(id);
            done.tryComplete();
          }
        });
    return done.future();
  }

  public Future<Void> close() {
    return vertx.close();
  }
}
