package io.stateserver.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Every setting the server knows, by dotted path, and the environment variables that set them.
 * Paths mirror the structure of {@code state-server-defaults.json} and of {@link ServerConfig}.
 */
final class Settings {
  /** Setting path to type; role rules ({@code roles.<name>.read|write}) are matched separately. */
  static final Map<String, SettingType> TYPES = new LinkedHashMap<>();

  /** Environment variable to setting path (PROTOCOL.md section 8, plus a few of our own). */
  static final Map<String, String> ENV = new LinkedHashMap<>();

  private static final Pattern ROLE_RULE = Pattern.compile("roles\\.[^.]+\\.(read|write)");

  static {
    TYPES.put("eventLoops", SettingType.INT);
    TYPES.put("eventLoopBlockedWarningMs", SettingType.LONG);
    TYPES.put("http.host", SettingType.STRING);
    TYPES.put("http.port", SettingType.INT);
    TYPES.put("http.allowedOrigins", SettingType.LIST);
    TYPES.put("http.handshakeTimeoutMs", SettingType.LONG);
    TYPES.put("http.instances", SettingType.INT);
    TYPES.put("http.pingIntervalMs", SettingType.LONG);
    TYPES.put("http.pingTimeoutMs", SettingType.LONG);
    TYPES.put("http.consolidateFlushes", SettingType.BOOLEAN);
    TYPES.put("http.tls.certFile", SettingType.STRING);
    TYPES.put("http.tls.keyFile", SettingType.STRING);
    TYPES.put("dataDir", SettingType.STRING);
    TYPES.put("db.url", SettingType.STRING);
    TYPES.put("db.user", SettingType.STRING);
    TYPES.put("db.password", SettingType.STRING);
    TYPES.put("db.poolSize", SettingType.INT);
    TYPES.put("db.maxBatch", SettingType.INT);
    TYPES.put("db.tombstoneRetentionMs", SettingType.LONG);
    TYPES.put("db.tombstonePurgeEveryMs", SettingType.LONG);
    TYPES.put("db.networkTimeoutMs", SettingType.LONG);
    TYPES.put("jwt.secret", SettingType.STRING);
    TYPES.put("jwt.publicKeys", SettingType.LIST);
    TYPES.put("jwt.issuer", SettingType.STRING);
    TYPES.put("jwt.audience", SettingType.STRING);
    TYPES.put("jwt.leewaySeconds", SettingType.INT);
    TYPES.put("jwt.tokenLifetimeSeconds", SettingType.INT);
    TYPES.put("cluster.enabled", SettingType.BOOLEAN);
    TYPES.put("cluster.configFile", SettingType.STRING);
    TYPES.put("cluster.members", SettingType.LIST);
    TYPES.put("cluster.port", SettingType.INT);
    TYPES.put("cluster.host", SettingType.STRING);
    TYPES.put("cluster.busPort", SettingType.INT);
    TYPES.put("cluster.busPublicPort", SettingType.INT);
    TYPES.put("cluster.publicPort", SettingType.INT);
    TYPES.put("nodeId", SettingType.STRING);
    TYPES.put("limits.maxFrameBytes", SettingType.INT);
    TYPES.put("limits.maxValueBytes", SettingType.INT);
    TYPES.put("limits.maxSubscriptions", SettingType.INT);
    TYPES.put("limits.sessionGraceMs", SettingType.LONG);
    TYPES.put("limits.rate.messagesPerSecond", SettingType.INT);
    TYPES.put("limits.rate.burst", SettingType.INT);
    TYPES.put("limits.rate.bytesPerSecond", SettingType.INT);
    TYPES.put("limits.rate.connection.messagesPerSecond", SettingType.INT);
    TYPES.put("limits.rate.connection.burst", SettingType.INT);
    TYPES.put("limits.rate.connection.bytesPerSecond", SettingType.INT);
    TYPES.put("limits.rate.clusterLeaseMs", SettingType.INT);
    TYPES.put("limits.rate.closeAfterRejections", SettingType.INT);
    TYPES.put("limits.rate.rejectionWindowMs", SettingType.LONG);
    TYPES.put("limits.maxPendingReplies", SettingType.INT);
    TYPES.put("limits.maxListLimit", SettingType.INT);
    TYPES.put("limits.shutdownGraceMs", SettingType.LONG);
    TYPES.put("limits.ttlSweepMs", SettingType.LONG);
    TYPES.put("limits.tokenRequests.perClientPerMinute", SettingType.INT);
    TYPES.put("limits.tokenRequests.perClientBurst", SettingType.INT);
    TYPES.put("limits.tokenRequests.perAddressPerMinute", SettingType.INT);
    TYPES.put("limits.tokenRequests.perAddressBurst", SettingType.INT);
    TYPES.put("limits.connections.perClient", SettingType.INT);
    TYPES.put("limits.connections.perAddress", SettingType.INT);
    TYPES.put("limits.connections.upgradesPerAddressPerMinute", SettingType.INT);
    TYPES.put("limits.connections.upgradesPerAddressBurst", SettingType.INT);

    ENV.put("STATE_EVENT_LOOPS", "eventLoops");
    ENV.put("STATE_EVENT_LOOP_BLOCKED_WARNING_MS", "eventLoopBlockedWarningMs");
    ENV.put("STATE_HTTP_HOST", "http.host");
    ENV.put("STATE_HTTP_PORT", "http.port");
    ENV.put("STATE_ALLOWED_ORIGINS", "http.allowedOrigins");
    ENV.put("STATE_HANDSHAKE_TIMEOUT_MS", "http.handshakeTimeoutMs");
    ENV.put("STATE_PING_INTERVAL_MS", "http.pingIntervalMs");
    ENV.put("STATE_PING_TIMEOUT_MS", "http.pingTimeoutMs");
    ENV.put("STATE_CONSOLIDATE_FLUSHES", "http.consolidateFlushes");
    ENV.put("STATE_TLS_CERT", "http.tls.certFile");
    ENV.put("STATE_TLS_KEY", "http.tls.keyFile");
    ENV.put("STATE_DATA_DIR", "dataDir");
    ENV.put("STATE_DB_URL", "db.url");
    ENV.put("STATE_DB_USER", "db.user");
    ENV.put("STATE_DB_PASSWORD", "db.password");
    ENV.put("STATE_DB_POOL_SIZE", "db.poolSize");
    ENV.put("STATE_DB_MAX_BATCH", "db.maxBatch");
    ENV.put("STATE_DB_TOMBSTONE_RETENTION_MS", "db.tombstoneRetentionMs");
    ENV.put("STATE_DB_TOMBSTONE_PURGE_EVERY_MS", "db.tombstonePurgeEveryMs");
    ENV.put("STATE_DB_NETWORK_TIMEOUT_MS", "db.networkTimeoutMs");
    ENV.put("STATE_JWT_SECRET", "jwt.secret");
    ENV.put("STATE_JWT_PUBLIC_KEYS", "jwt.publicKeys");
    ENV.put("STATE_JWT_ISSUER", "jwt.issuer");
    ENV.put("STATE_JWT_AUDIENCE", "jwt.audience");
    ENV.put("STATE_JWT_LEEWAY_S", "jwt.leewaySeconds");
    ENV.put("STATE_TOKEN_LIFETIME_S", "jwt.tokenLifetimeSeconds");
    ENV.put("STATE_CLUSTER", "cluster.enabled");
    ENV.put("STATE_CLUSTER_CONFIG", "cluster.configFile");
    ENV.put("STATE_CLUSTER_MEMBERS", "cluster.members");
    ENV.put("STATE_CLUSTER_PORT", "cluster.port");
    ENV.put("STATE_CLUSTER_HOST", "cluster.host");
    ENV.put("STATE_CLUSTER_BUS_PORT", "cluster.busPort");
    ENV.put("STATE_CLUSTER_BUS_PUBLIC_PORT", "cluster.busPublicPort");
    ENV.put("STATE_CLUSTER_PUBLIC_PORT", "cluster.publicPort");
    ENV.put("STATE_NODE_ID", "nodeId");
    ENV.put("STATE_SESSION_GRACE_MS", "limits.sessionGraceMs");
    ENV.put("STATE_MAX_FRAME_BYTES", "limits.maxFrameBytes");
    ENV.put("STATE_MAX_VALUE_BYTES", "limits.maxValueBytes");
    ENV.put("STATE_MAX_SUBSCRIPTIONS", "limits.maxSubscriptions");
    ENV.put("STATE_TTL_SWEEP_MS", "limits.ttlSweepMs");
    ENV.put("STATE_RATE_MESSAGES_PER_S", "limits.rate.messagesPerSecond");
    ENV.put("STATE_RATE_BURST", "limits.rate.burst");
    ENV.put("STATE_RATE_BYTES_PER_S", "limits.rate.bytesPerSecond");
    ENV.put("STATE_RATE_CONNECTION_MESSAGES_PER_S", "limits.rate.connection.messagesPerSecond");
    ENV.put("STATE_RATE_CONNECTION_BURST", "limits.rate.connection.burst");
    ENV.put("STATE_RATE_CONNECTION_BYTES_PER_S", "limits.rate.connection.bytesPerSecond");
    ENV.put("STATE_RATE_CLUSTER_LEASE_MS", "limits.rate.clusterLeaseMs");
    ENV.put("STATE_RATE_CLOSE_AFTER_REJECTIONS", "limits.rate.closeAfterRejections");
    ENV.put("STATE_RATE_REJECTION_WINDOW_MS", "limits.rate.rejectionWindowMs");
    ENV.put("STATE_MAX_CONNECTIONS_PER_CLIENT", "limits.connections.perClient");
    ENV.put("STATE_MAX_CONNECTIONS_PER_ADDRESS", "limits.connections.perAddress");
    ENV.put("STATE_UPGRADES_PER_ADDRESS_PER_MIN", "limits.connections.upgradesPerAddressPerMinute");
    ENV.put("STATE_UPGRADES_PER_ADDRESS_BURST", "limits.connections.upgradesPerAddressBurst");
    ENV.put("STATE_TOKEN_REQUESTS_PER_CLIENT_PER_MIN", "limits.tokenRequests.perClientPerMinute");
    ENV.put("STATE_TOKEN_REQUESTS_PER_CLIENT_BURST", "limits.tokenRequests.perClientBurst");
    ENV.put("STATE_TOKEN_REQUESTS_PER_ADDRESS_PER_MIN", "limits.tokenRequests.perAddressPerMinute");
    ENV.put("STATE_TOKEN_REQUESTS_PER_ADDRESS_BURST", "limits.tokenRequests.perAddressBurst");
  }

  private Settings() {}

  /** The type of a setting, or null when no such setting exists. */
  static SettingType typeOf(String path) {
    SettingType type = TYPES.get(path);
    if (type == null && ROLE_RULE.matcher(path).matches()) {
      return SettingType.LIST;
    }
    return type;
  }
}
