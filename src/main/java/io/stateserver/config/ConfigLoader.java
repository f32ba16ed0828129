package io.stateserver.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Builds the {@link ServerConfig} once at start-up. Each layer overrides the one before it:
 *
 * <ol>
 *   <li>defaults, the classpath resource {@value #DEFAULTS_RESOURCE};
 *   <li>an optional JSON file of the same shape, named by {@code --config <path>} or {@code
 *       STATE_CONFIG};
 *   <li>environment variables ({@code STATE_*}, see {@link Settings#ENV}); blank ones are ignored,
 *       comma-separated values become lists;
 *   <li>command-line flags {@code --<dotted.path>=<value>} or {@code --<dotted.path> <value>}, e.g.
 *       {@code --http.port=9090}; kebab-case segments are accepted too ({@code --data-dir}).
 * </ol>
 *
 * <p>Without a configured database the server uses embedded H2 in the data folder; without a
 * configured JWT secret it uses (and on first start generates) {@code <dataDir>/jwt-secret}.
 */
public final class ConfigLoader {
  static final String DEFAULTS_RESOURCE = "state-server-defaults.json";
  static final String CONFIG_FLAG = "config";
  static final String CONFIG_ENV = "STATE_CONFIG";

  /**
   * H2 options of the default embedded database. DB_CLOSE_ON_EXIT=FALSE: the server closes its pool
   * itself during a drain, H2's own shutdown hook would race it. LOCK_TIMEOUT: group commits can
   * hold row locks for longer than H2's default second under load. WRITE_DELAY=0: H2 otherwise
   * writes committed transactions to the file up to half a second later, so a {@code kill -9} lost
   * writes the server had already acknowledged as durable. The default file lock keeps a second
   * process from opening the same database.
   */
  public static final String H2_OPTIONS =
      ";DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000;WRITE_DELAY=0";

  /** The embedded database's name in the data folder; H2 keeps it in {@code <name>.mv.db}. */
  private static final String H2_DATABASE_NAME = "state";

  private static final String TR = "limits.tokenRequests.";

  /**
   * The shortest tombstone retention, a day: a node that missed a deletion's broadcast reads it
   * back from the table in a catch-up sweep, so the tombstone must still be there. A sweep usually
   * looks seconds back, but after a split it looks back to when the split began.
   */
  static final long MIN_TOMBSTONE_RETENTION_MS = 86_400_000;

  static final long MIN_TOMBSTONE_PURGE_EVERY_MS = 1_000;

  /** {@code cluster.configFile} in the defaults: the checkout's file, or else the packaged one. */
  static final String DEFAULT_HAZELCAST_FILE = "cluster-config/hazelcast.xml";

  // the databases persistence.Dialect supports
  private static final List<String> SUPPORTED_DB_URLS = List.of("jdbc:h2:", "jdbc:postgresql:");
  // an hour: longer is no timeout in practice, and the PostgreSQL driver overflows past 24 days
  static final long MAX_NETWORK_TIMEOUT_MS = 3_600_000;

  private ConfigLoader() {}

  /**
   * Loads the configuration.
   *
   * @param args command-line flags (sub-command names already removed)
   * @param env the environment, usually {@code System.getenv()}
   * @throws ConfigException for a malformed value, an unknown setting or flag, an unreadable file
   */
  public static ServerConfig load(String[] args, Map<String, String> env) {
    Map<String, String> flags = parseFlags(args);
    JsonObject merged = readDefaults();

    String configFile = flags.remove(CONFIG_FLAG);
    if (configFile == null) {
      configFile = nonBlank(env.get(CONFIG_ENV));
    }
    if (configFile != null) {
      overlay(merged, readConfigFile(configFile), "", "config file " + configFile);
    }
    Settings.ENV.forEach(
        (variable, path) -> {
          String raw = nonBlank(env.get(variable));
          if (raw != null) {
            set(merged, path, raw, "environment variable " + variable);
          }
        });
    flags.forEach((path, raw) -> set(merged, path, raw, "flag --" + path));
    return build(merged);
  }

  // ---- command line ----

  /** Flag path to raw value, in order; a flag given twice keeps its last value. */
  private static Map<String, String> parseFlags(String[] args) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--") || arg.length() == 2) {
        throw new ConfigException(
            "unexpected argument \"" + arg + "\"; flags look like --name=value");
      }
      int eq = arg.indexOf('=');
      String name = camelCase(eq < 0 ? arg.substring(2) : arg.substring(2, eq));
      String value;
      if (eq >= 0) {
        value = arg.substring(eq + 1);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[++i];
      } else if (Settings.typeOf(name) == SettingType.BOOLEAN) {
        value = "true";
      } else {
        throw new ConfigException("flag --" + name + " needs a value");
      }
      if (!name.equals(CONFIG_FLAG) && Settings.typeOf(name) == null) {
        throw new ConfigException("unknown flag --" + name);
      }
      flags.put(name, value);
    }
    return flags;
  }

  /** {@code data-dir} becomes {@code dataDir}, segment by segment; dots are kept. */
  private static String camelCase(String name) {
    StringBuilder out = new StringBuilder(name.length());
    boolean upper = false;
    for (char c : name.toCharArray()) {
      if (c == '-') {
        upper = true;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }

  // ---- layers ----

  private static JsonObject readDefaults() {
    try (InputStream in =
        ConfigLoader.class.getClassLoader().getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("classpath resource missing: " + DEFAULTS_RESOURCE);
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonObject readConfigFile(String name) {
    try {
      return new JsonObject(Files.readString(Path.of(name), StandardCharsets.UTF_8));
    } catch (IOException | InvalidPathException e) {
      throw new ConfigException("cannot read config file " + name + ": " + e, e);
    } catch (DecodeException | ClassCastException e) {
      throw new ConfigException("config file " + name + " is not a JSON object: " + e.getMessage());
    }
  }

  /**
   * Copies a config file's values over the merged settings: objects merge, every other value
   * replaces. Each leaf must be a known setting of the right type.
   */
  private static void overlay(JsonObject target, JsonObject source, String prefix, String origin) {
    for (Map.Entry<String, Object> entry : source) {
      String path = prefix + entry.getKey();
      Object value = entry.getValue();
      boolean rolesBranch = path.equals("roles") || path.matches("roles\\.[^.]+");
      if (value instanceof JsonObject object && (rolesBranch || Settings.typeOf(path) == null)) {
        if (!rolesBranch
            && Settings.TYPES.keySet().stream().noneMatch(k -> k.startsWith(path + "."))) {
          throw new ConfigException("unknown setting " + path + " in " + origin);
        }
        overlay(target, object, path + ".", origin);
      } else {
        set(target, path, value, origin);
      }
    }
  }

  private static void set(JsonObject root, String path, Object raw, String origin) {
    SettingType type = Settings.typeOf(path);
    if (type == null) {
      throw new ConfigException("unknown setting " + path + " in " + origin);
    }
    Object value = type.coerce(path, raw, origin);
    String[] parts = path.split("\\.");
    JsonObject node = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject child = node.getJsonObject(parts[i]);
      if (child == null) {
        child = new JsonObject();
        node.put(parts[i], child);
      }
      node = child;
    }
    node.put(parts[parts.length - 1], value);
  }

  // ---- building the typed records ----

  private static ServerConfig build(JsonObject c) {
    JsonObject http = c.getJsonObject("http");
    JsonObject db = c.getJsonObject("db");
    JsonObject jwt = c.getJsonObject("jwt");
    JsonObject cluster = c.getJsonObject("cluster");
    JsonObject limits = c.getJsonObject("limits");
    JsonObject rate = limits.getJsonObject("rate");
    JsonObject tokenRequests = limits.getJsonObject("tokenRequests");

    Path dataDir = path("dataDir", c.getString("dataDir")).toAbsolutePath().normalize();

    ServerConfig.Http httpConfig =
        new ServerConfig.Http(
            required("http.host", http.getString("host")),
            port("http.port", http.getInteger("port"), true),
            origins(strings(http.getJsonArray("allowedOrigins"))),
            positive("http.handshakeTimeoutMs", http.getLong("handshakeTimeoutMs")),
            atLeast("http.instances", http.getInteger("instances"), 0),
            atLeastLong("http.pingIntervalMs", http.getLong("pingIntervalMs"), 0),
            positive("http.pingTimeoutMs", http.getLong("pingTimeoutMs")),
            bool("http.consolidateFlushes", http.getValue("consolidateFlushes")),
            tls(http.getJsonObject("tls", new JsonObject())));

    String dbUrl = db.getString("url");
    if (dbUrl == null || dbUrl.isBlank()) {
      dbUrl = defaultH2Url(dataDir);
    } else if (SUPPORTED_DB_URLS.stream().noneMatch(dbUrl::startsWith)) {
      throw new ConfigException(
          "setting db.url must start with one of " + SUPPORTED_DB_URLS + " (H2 or PostgreSQL)");
    }
    ServerConfig.Db dbConfig =
        new ServerConfig.Db(
            dbUrl,
            db.getString("user"),
            db.getString("password"),
            (int) positive("db.poolSize", db.getInteger("poolSize")),
            (int) positive("db.maxBatch", db.getInteger("maxBatch")),
            tombstoneRetention(db.getLong("tombstoneRetentionMs")),
            atLeastLong(
                "db.tombstonePurgeEveryMs",
                db.getLong("tombstonePurgeEveryMs"),
                MIN_TOMBSTONE_PURGE_EVERY_MS),
            between(
                "db.networkTimeoutMs", db.getLong("networkTimeoutMs"), 0, MAX_NETWORK_TIMEOUT_MS));

    ServerConfig.Jwt jwtConfig =
        new ServerConfig.Jwt(
            secret(jwt.getString("secret"), dataDir),
            strings(jwt.getJsonArray("publicKeys")).stream()
                .map(p -> path("jwt.publicKeys", p))
                .toList(),
            nonBlank(jwt.getString("issuer")),
            nonBlank(jwt.getString("audience")),
            atLeast("jwt.leewaySeconds", jwt.getInteger("leewaySeconds"), 0),
            (int) positive("jwt.tokenLifetimeSeconds", jwt.getInteger("tokenLifetimeSeconds")));

    boolean clustered = bool("cluster.enabled", cluster.getValue("enabled"));
    ServerConfig.Cluster clusterConfig =
        new ServerConfig.Cluster(
            clustered,
            hazelcastFile(clustered, cluster.getString("configFile")),
            strings(cluster.getJsonArray("members")),
            port("cluster.port", cluster.getInteger("port"), false),
            required("cluster.host", cluster.getString("host")),
            port("cluster.busPort", cluster.getInteger("busPort"), true),
            port("cluster.busPublicPort", cluster.getInteger("busPublicPort"), true),
            port("cluster.publicPort", cluster.getInteger("publicPort"), true));

    String nodeId = nonBlank(c.getString("nodeId"));
    if (nodeId == null) {
      nodeId = generateNodeId();
    } else if (!NODE_ID.matcher(nodeId).matches()) {
      throw new ConfigException(
          "setting nodeId (STATE_NODE_ID) must be 1-64 letters, digits, '.', '_' or '-': "
              + nodeId);
    }

    ServerConfig.Limits limitsConfig =
        new ServerConfig.Limits(
            (int)
                between(
                    "limits.maxFrameBytes",
                    limits.getLong("maxFrameBytes"),
                    1,
                    ServerConfig.Limits.MAX_FRAME_BYTES),
            (int) positive("limits.maxValueBytes", limits.getInteger("maxValueBytes")),
            (int) positive("limits.maxSubscriptions", limits.getInteger("maxSubscriptions")),
            atLeastLong("limits.sessionGraceMs", limits.getLong("sessionGraceMs"), 0),
            rate(rate),
            (int) positive("limits.maxPendingReplies", limits.getInteger("maxPendingReplies")),
            (int) positive("limits.maxListLimit", limits.getInteger("maxListLimit")),
            atLeastLong("limits.shutdownGraceMs", limits.getLong("shutdownGraceMs"), 0),
            positive("limits.ttlSweepMs", limits.getLong("ttlSweepMs")),
            new ServerConfig.TokenRequests(
                (int)
                    positive(
                        TR + "perClientPerMinute", tokenRequests.getInteger("perClientPerMinute")),
                (int) positive(TR + "perClientBurst", tokenRequests.getInteger("perClientBurst")),
                (int)
                    positive(
                        TR + "perAddressPerMinute",
                        tokenRequests.getInteger("perAddressPerMinute")),
                (int)
                    positive(TR + "perAddressBurst", tokenRequests.getInteger("perAddressBurst"))),
            connections(limits.getJsonObject("connections")));

    return new ServerConfig(
        httpConfig,
        atLeast("eventLoops", c.getInteger("eventLoops"), 0),
        positive("eventLoopBlockedWarningMs", c.getLong("eventLoopBlockedWarningMs")),
        dataDir,
        dbConfig,
        jwtConfig,
        clusterConfig,
        nodeId,
        limitsConfig,
        roles(c.getJsonObject("roles", new JsonObject())));
  }

  private static ServerConfig.Rate rate(JsonObject rate) {
    JsonObject connection = rate.getJsonObject("connection", new JsonObject());
    String r = "limits.rate.";
    String rc = "limits.rate.connection.";
    return new ServerConfig.Rate(
        (int) positive(r + "messagesPerSecond", rate.getInteger("messagesPerSecond")),
        (int) positive(r + "burst", rate.getInteger("burst")),
        (int) positive(r + "bytesPerSecond", rate.getInteger("bytesPerSecond")),
        new ServerConfig.ConnectionRate(
            atLeast(rc + "messagesPerSecond", connection.getInteger("messagesPerSecond", 0), 0),
            atLeast(rc + "burst", connection.getInteger("burst", 0), 0),
            atLeast(rc + "bytesPerSecond", connection.getInteger("bytesPerSecond", 0), 0)),
        (int)
            positive(
                r + "clusterLeaseMs",
                rate.getInteger("clusterLeaseMs", ServerConfig.Rate.DEFAULT_CLUSTER_LEASE_MS)),
        (int)
            positive(
                r + "closeAfterRejections",
                rate.getInteger(
                    "closeAfterRejections", ServerConfig.Rate.DEFAULT_CLOSE_AFTER_REJECTIONS)),
        positive(
            r + "rejectionWindowMs",
            rate.getLong("rejectionWindowMs", ServerConfig.Rate.DEFAULT_REJECTION_WINDOW_MS)));
  }

  private static ServerConfig.Connections connections(JsonObject c) {
    ServerConfig.Connections d = ServerConfig.Connections.DEFAULTS;
    JsonObject o = c == null ? new JsonObject() : c;
    String p = "limits.connections.";
    return new ServerConfig.Connections(
        (int) positive(p + "perClient", o.getInteger("perClient", d.perClient())),
        (int) positive(p + "perAddress", o.getInteger("perAddress", d.perAddress())),
        (int)
            positive(
                p + "upgradesPerAddressPerMinute",
                o.getInteger("upgradesPerAddressPerMinute", d.upgradesPerAddressPerMinute())),
        (int)
            positive(
                p + "upgradesPerAddressBurst",
                o.getInteger("upgradesPerAddressBurst", d.upgradesPerAddressBurst())));
  }

  /** The embedded database's URL in a data folder: the default of {@code db.url}. */
  public static String defaultH2Url(Path absoluteDataDir) {
    String dir = absoluteDataDir.toString().replace('\\', '/');
    return "jdbc:h2:file:" + dir + "/" + H2_DATABASE_NAME + H2_OPTIONS;
  }

  /** The file the embedded database keeps in the data folder once a server has used it. */
  public static Path embeddedDatabaseFile(Path dataDir) {
    return dataDir.resolve(H2_DATABASE_NAME + ".mv.db");
  }

  /** Both files or neither: half a TLS configuration is a mistake, not plain HTTP. */
  private static ServerConfig.Tls tls(JsonObject tls) {
    String cert = nonBlank(tls.getString("certFile"));
    String key = nonBlank(tls.getString("keyFile"));
    if (cert == null && key == null) {
      return null;
    }
    if (cert == null || key == null) {
      throw new ConfigException(
          "settings http.tls.certFile (STATE_TLS_CERT) and http.tls.keyFile (STATE_TLS_KEY) go"
              + " together: set both for HTTPS / WSS, or neither");
    }
    return new ServerConfig.Tls(path("http.tls.certFile", cert), path("http.tls.keyFile", key));
  }

  /**
   * The configured HS256 secret, or the generated one when none is configured. A secret that is set
   * but empty (a flag {@code --jwt.secret=}, {@code "secret": ""} in a file) is refused rather than
   * replaced: it is a mistake, and tokens must never go unchecked. Blank environment variables
   * count as unset, like every other variable.
   */
  private static String secret(String configured, Path dataDir) {
    if (configured != null && configured.isBlank()) {
      throw new ConfigException(
          "setting jwt.secret (STATE_JWT_SECRET) is set but empty; remove it to use the generated"
              + " secret, or give at least "
              + ServerConfig.Jwt.MIN_SECRET_BYTES
              + " bytes");
    }
    String secret = nonBlank(configured);
    if (secret == null) {
      return JwtSecretFile.readOrCreate(dataDir);
    }
    if (secret.getBytes(StandardCharsets.UTF_8).length < ServerConfig.Jwt.MIN_SECRET_BYTES) {
      throw new ConfigException(
          "setting jwt.secret (STATE_JWT_SECRET) must be at least "
              + ServerConfig.Jwt.MIN_SECRET_BYTES
              + " bytes long");
    }
    return secret;
  }

  private static Map<String, ServerConfig.RoleRules> roles(JsonObject roles) {
    Map<String, ServerConfig.RoleRules> result = new LinkedHashMap<>();
    for (Map.Entry<String, Object> entry : roles) {
      if (!(entry.getValue() instanceof JsonObject rules)) {
        throw new ConfigException("setting roles." + entry.getKey() + " must be an object");
      }
      result.put(
          entry.getKey(),
          new ServerConfig.RoleRules(
              strings(rules.getJsonArray("read", new JsonArray())),
              strings(rules.getJsonArray("write", new JsonArray()))));
    }
    return Map.copyOf(result);
  }

  private static String generateNodeId() {
    byte[] random = new byte[4];
    new SecureRandom().nextBytes(random);
    return "node-" + HexFormat.of().formatHex(random);
  }

  // ---- value checks ----

  /**
   * What a node id may be. It is stored in the session and lease tables (256 characters at most),
   * shown in every {@code hello} and written into logs, and it starts the node's broadcast origin
   * ({@code <node>/<run>}), so: short, printable, no separator.
   */
  private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /**
   * A browser origin as a browser sends it: scheme and host, an optional port, nothing else (any
   * scheme: apps in web views send {@code capacitor://localhost} and the like).
   */
  private static final Pattern ORIGIN =
      Pattern.compile("[a-z][a-z0-9+.-]*://([^/?#\\s\\[\\]:@]+|\\[[0-9a-f:.]+\\])(:[0-9]{1,5})?");

  /**
   * The allowed origins, lower-cased (browsers send scheme and host in lower case), each checked:
   * an origin with a path or a trailing slash would never match, and refusing it at start says so.
   */
  private static List<String> origins(List<String> configured) {
    List<String> out = new ArrayList<>(configured.size());
    for (String origin : configured) {
      String o = origin.strip().toLowerCase(Locale.ROOT);
      // "null": what a page opened from a file or a sandboxed frame sends
      if (!o.equals("*") && !o.equals("null") && !ORIGIN.matcher(o).matches()) {
        throw new ConfigException(
            "setting http.allowedOrigins (STATE_ALLOWED_ORIGINS) holds an entry that is not an"
                + " origin (scheme://host[:port], no path or trailing slash), null or *: "
                + origin);
      }
      // browsers leave a scheme's default port out of the Origin header
      out.add(o.replaceFirst("^(http://.*):80$", "$1").replaceFirst("^(https://.*):443$", "$1"));
    }
    return List.copyOf(out);
  }

  private static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>(array == null ? 0 : array.size());
    if (array != null) {
      array.forEach(item -> out.add((String) item));
    }
    return List.copyOf(out);
  }

  private static Path path(String setting, String value) {
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      throw new ConfigException("setting " + setting + " is not a valid path: " + value);
    }
  }

  /**
   * The Hazelcast file. The default path may be absent (a jar run away from the checkout: the
   * packaged copy is used), but a file the operator named must exist: it may carry the cluster name
   * that keeps a second fleet apart, and silently clustering without it would join the wrong one.
   */
  private static Path hazelcastFile(boolean clustered, String value) {
    Path file = path("cluster.configFile", required("cluster.configFile", value));
    if (clustered && !DEFAULT_HAZELCAST_FILE.equals(value) && !Files.isRegularFile(file)) {
      throw new ConfigException("setting cluster.configFile names no readable file: " + value);
    }
    return file;
  }

  private static String required(String setting, String value) {
    if (value == null || value.isBlank()) {
      throw new ConfigException("setting " + setting + " must not be empty");
    }
    return value;
  }

  private static int port(String setting, Integer value, boolean zeroAllowed) {
    if (value == null || value < (zeroAllowed ? 0 : 1) || value > 65535) {
      throw new ConfigException(
          "setting " + setting + " must be a port number (" + (zeroAllowed ? 0 : 1) + "-65535)");
    }
    return value;
  }

  private static boolean bool(String setting, Object value) {
    if (!(value instanceof Boolean b)) {
      throw new ConfigException("setting " + setting + " must be true or false");
    }
    return b;
  }

  private static long positive(String setting, Number value) {
    if (value == null || value.longValue() < 1) {
      throw new ConfigException("setting " + setting + " must be greater than zero");
    }
    return value.longValue();
  }

  private static int atLeast(String setting, Integer value, int min) {
    if (value == null || value < min) {
      throw new ConfigException("setting " + setting + " must be at least " + min);
    }
    return value;
  }

  /** 0 keeps tombstones forever; otherwise at least {@link #MIN_TOMBSTONE_RETENTION_MS}. */
  private static long tombstoneRetention(Long value) {
    if (value == null || (value != 0 && value < MIN_TOMBSTONE_RETENTION_MS)) {
      throw new ConfigException(
          "setting db.tombstoneRetentionMs must be 0 (keep tombstones forever) or at least "
              + MIN_TOMBSTONE_RETENTION_MS);
    }
    return value;
  }

  private static long between(String setting, Long value, long min, long max) {
    if (value == null || value < min || value > max) {
      throw new ConfigException("setting " + setting + " must be from " + min + " to " + max);
    }
    return value;
  }

  private static long atLeastLong(String setting, Long value, long min) {
    if (value == null || value < min) {
      throw new ConfigException("setting " + setting + " must be at least " + min);
    }
    return value;
  }

  private static String nonBlank(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
