package io.stateserver.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The server's typed configuration, built once at start-up by {@link ConfigLoader} (defaults, then
 * an optional file, then environment variables, then command-line flags) and passed to every
 * component. Nothing reads the environment after this is built.
 */
public record ServerConfig(
    Http http,
    int eventLoops,
    long eventLoopBlockedWarningMs,
    Path dataDir,
    Db db,
    Jwt jwt,
    Cluster cluster,
    String nodeId,
    Limits limits,
    Map<String, RoleRules> roles) {

  /**
   * @param host the address to bind
   * @param port the HTTP and WebSocket port (0 picks a free port)
   * @param allowedOrigins browser origins allowed to upgrade; empty means the server's own only
   * @param handshakeTimeoutMs time from TCP connect to a completed upgrade
   * @param instances connection verticle instances (0 means one per event loop)
   * @param pingIntervalMs a connection that sent nothing for this long gets a WebSocket ping (0
   *     turns pings and the idle timeout off)
   * @param pingTimeoutMs a pinged connection that sends nothing (no pong, no frame) for this long
   *     after the ping is closed with 1001
   * @param consolidateFlushes a WebSocket's flushes wait for the tasks queued on its event loop, so
   *     that a loaded loop sends several frames per system call
   * @param tls the certificate and key of HTTPS / WSS, or null for plain HTTP / WS
   */
  public record Http(
      String host,
      int port,
      List<String> allowedOrigins,
      long handshakeTimeoutMs,
      int instances,
      long pingIntervalMs,
      long pingTimeoutMs,
      boolean consolidateFlushes,
      Tls tls) {
    public static final long DEFAULT_PING_INTERVAL_MS = 30_000;
    public static final long DEFAULT_PING_TIMEOUT_MS = 20_000;

    /** The settings without ping or TLS settings (default pings, plain HTTP). */
    public Http(
        String host,
        int port,
        List<String> allowedOrigins,
        long handshakeTimeoutMs,
        int instances) {
      this(
          host,
          port,
          allowedOrigins,
          handshakeTimeoutMs,
          instances,
          DEFAULT_PING_INTERVAL_MS,
          DEFAULT_PING_TIMEOUT_MS,
          true,
          null);
    }

    public boolean tlsEnabled() {
      return tls != null;
    }
  }

  /**
   * HTTPS / WSS from PEM files. Server Name Indication is never enabled (docs/security.md).
   *
   * @param certFile the certificate chain, PEM ({@code BEGIN CERTIFICATE}), server certificate
   *     first
   * @param keyFile the private key, PEM (PKCS#8 {@code BEGIN PRIVATE KEY} or PKCS#1 / SEC1)
   */
  public record Tls(Path certFile, Path keyFile) {}

  /**
   * @param url the JDBC URL; embedded H2 under the data folder by default
   * @param poolSize JDBC connections for reads and writes
   * @param maxBatch the most write commands committed in one transaction (group commit)
   * @param tombstoneRetentionMs how long a deleted key's tombstone is kept (0: forever)
   * @param tombstonePurgeEveryMs how often each node deletes the tombstones past their retention
   * @param networkTimeoutMs how long a PostgreSQL connection waits for an answer (to a statement,
   *     or a login) before the driver closes it; 0 waits for the operating system's TCP timeouts
   */
  public record Db(
      String url,
      String user,
      String password,
      int poolSize,
      int maxBatch,
      long tombstoneRetentionMs,
      long tombstonePurgeEveryMs,
      long networkTimeoutMs) {

    public boolean isPostgres() {
      return url.startsWith("jdbc:postgresql:");
    }

    /** An embedded (in-process) H2 database that only this JVM can open. */
    public boolean isEmbeddedH2() {
      return url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:h2:tcp:");
    }
  }

  /**
   * @param secret the HS256 secret (at least 32 bytes); never null once loaded (generated on first
   *     start and kept in the data folder when not configured)
   * @param publicKeys PEM files of RS256/ES256 public keys
   * @param issuer required {@code iss}, or null
   * @param audience required {@code aud}, or null
   * @param leewaySeconds clock leeway for {@code exp}, {@code nbf}, {@code iat}
   * @param tokenLifetimeSeconds lifetime of tokens issued by {@code POST /v1/auth/token}
   */
  public record Jwt(
      String secret,
      List<Path> publicKeys,
      String issuer,
      String audience,
      int leewaySeconds,
      int tokenLifetimeSeconds) {
    public static final int DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;

    /** The shortest HS256 secret accepted, in UTF-8 bytes (PROTOCOL.md section 8). */
    public static final int MIN_SECRET_BYTES = 32;

    /** The settings without an issued-token lifetime (the default one applies). */
    public Jwt(
        String secret, List<Path> publicKeys, String issuer, String audience, int leewaySeconds) {
      this(secret, publicKeys, issuer, audience, leewaySeconds, DEFAULT_TOKEN_LIFETIME_SECONDS);
    }
  }

  /**
   * @param enabled whether to join a Hazelcast cluster
   * @param configFile the Hazelcast XML file
   * @param members host:port of members to join (TCP-IP discovery)
   * @param port this node's Hazelcast port
   * @param host this node's Hazelcast / event-bus address
   * @param busPort the port the clustered event bus listens on; 0 picks a free one
   * @param busPublicPort the event-bus port advertised to the other nodes (behind NAT or a port
   *     mapping); 0 advertises the port it listens on
   * @param publicPort the Hazelcast port advertised to the other nodes (behind NAT or a port
   *     mapping); 0 advertises {@code port}
   */
  public record Cluster(
      boolean enabled,
      Path configFile,
      List<String> members,
      int port,
      String host,
      int busPort,
      int busPublicPort,
      int publicPort) {

    /** The settings with the event bus on a free port, and both ports advertised as they are. */
    public Cluster(boolean enabled, Path configFile, List<String> members, int port, String host) {
      this(enabled, configFile, members, port, host, 0, 0, 0);
    }
  }

  /**
   * @param maxFrameBytes the largest frame accepted or sent
   * @param maxValueBytes the largest encoded value
   * @param maxSubscriptions subscriptions per connection
   * @param sessionGraceMs how long a dropped session may be resumed
   * @param rate per-client rate limits
   * @param maxPendingReplies replies queued for one connection before the server stops reading from
   *     it (backpressure)
   * @param maxListLimit the largest {@code limit} a {@code list} may ask for
   * @param shutdownGraceMs how long SIGTERM waits for in-flight work
   * @param ttlSweepMs how often a node looks for expired keys in the database (a key written with a
   *     TTL through a node is also deleted by that node at its expiry)
   * @param tokenRequests budgets of {@code POST /v1/auth/token}
   * @param connections how many WebSockets one client id or address may hold, and how fast one
   *     address may open them
   */
  public record Limits(
      int maxFrameBytes,
      int maxValueBytes,
      int maxSubscriptions,
      long sessionGraceMs,
      Rate rate,
      int maxPendingReplies,
      int maxListLimit,
      long shutdownGraceMs,
      long ttlSweepMs,
      TokenRequests tokenRequests,
      Connections connections) {
    /**
     * The largest {@code maxFrameBytes} a server may be given: what the bundled tools' WebSocket
     * client takes, so that every reply of a server reaches them.
     */
    public static final int MAX_FRAME_BYTES = 16 * 1024 * 1024;
  }

  /**
   * Rate limits of client messages (docs/rate-limiting.md).
   *
   * @param messagesPerSecond messages a second for one client id, shared by all its connections on
   *     all nodes
   * @param burst messages one client id may send at once
   * @param bytesPerSecond bytes a second for one client id, also the byte burst
   * @param connection the budget of each single connection; each of its values is capped by the
   *     client's
   * @param clusterLeaseMs when clustered, how much of the client's rate (in milliseconds of it) a
   *     node takes from the cluster-wide budget at once; bounds the overshoot (docs)
   * @param closeAfterRejections rejections within {@code rejectionWindowMs} after which the
   *     connection is closed with 4429
   * @param rejectionWindowMs the window of {@code closeAfterRejections}
   */
  public record Rate(
      int messagesPerSecond,
      int burst,
      int bytesPerSecond,
      ConnectionRate connection,
      int clusterLeaseMs,
      int closeAfterRejections,
      long rejectionWindowMs) {
    public static final int DEFAULT_CLUSTER_LEASE_MS = 100;
    public static final int DEFAULT_CLOSE_AFTER_REJECTIONS = 100;
    public static final long DEFAULT_REJECTION_WINDOW_MS = 10_000;

    /** Client limits only: connections may use all of them; default lease and abuse settings. */
    public Rate(int messagesPerSecond, int burst, int bytesPerSecond) {
      this(
          messagesPerSecond,
          burst,
          bytesPerSecond,
          new ConnectionRate(0, 0, 0),
          DEFAULT_CLUSTER_LEASE_MS,
          DEFAULT_CLOSE_AFTER_REJECTIONS,
          DEFAULT_REJECTION_WINDOW_MS);
    }

    /** The per-connection budget in force: the configured one capped by the client's. */
    public ConnectionRate effectiveConnection() {
      return new ConnectionRate(
          capped(connection.messagesPerSecond(), messagesPerSecond),
          capped(connection.burst(), burst),
          capped(connection.bytesPerSecond(), bytesPerSecond));
    }

    private static int capped(int value, int cap) {
      return value <= 0 ? cap : Math.min(value, cap);
    }
  }

  /**
   * The budget of one connection; 0 means "the client's value".
   *
   * @param messagesPerSecond messages a second
   * @param burst messages at once
   * @param bytesPerSecond bytes a second, also the byte burst
   */
  public record ConnectionRate(int messagesPerSecond, int burst, int bytesPerSecond) {}

  /**
   * Limits on WebSocket connections, checked before the upgrade (over them: {@code 429}).
   *
   * @param perClient open connections of one client id on one node
   * @param perAddress open connections from one remote address on one node
   * @param upgradesPerAddressPerMinute upgrade attempts a minute from one address on one node
   * @param upgradesPerAddressBurst upgrade attempts at once from one address
   */
  public record Connections(
      int perClient, int perAddress, int upgradesPerAddressPerMinute, int upgradesPerAddressBurst) {
    public static final Connections DEFAULTS = new Connections(16, 256, 600, 100);
  }

  /**
   * Token buckets of the token endpoint, per node: one per client id, one per remote address.
   *
   * @param perClientPerMinute requests a minute for one client id
   * @param perClientBurst requests in a burst for one client id
   * @param perAddressPerMinute requests a minute from one address
   * @param perAddressBurst requests in a burst from one address
   */
  public record TokenRequests(
      int perClientPerMinute, int perClientBurst, int perAddressPerMinute, int perAddressBurst) {}

  /**
   * Patterns a role may read and write; {@code ${sub}} stands for the client's id.
   *
   * @param read patterns the role may read ({@code get}, {@code list}, {@code sub})
   * @param write patterns the role may write
   */
  public record RoleRules(List<String> read, List<String> write) {}
}
