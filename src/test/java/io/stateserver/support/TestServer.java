package io.stateserver.support;

import io.stateserver.app.StateServer;
import io.stateserver.config.ConfigLoader;
import io.stateserver.config.ServerConfig;
import io.stateserver.security.TokenIssuer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A real server node started in the test JVM on a free port, with its own data folder (embedded H2)
 * unless a database URL is given, and a token issuer using the node's secret.
 */
public final class TestServer implements AutoCloseable {
  public static final String DB_PROPERTY = "state.test.db";
  public static final String POSTGRES_URL_VARIABLE = "STATE_TEST_POSTGRES_URL";

  private final StateServer server;
  private final TokenIssuer issuer;
  private final String postgresSchema;

  private TestServer(StateServer server, String postgresSchema) {
    this.server = server;
    this.postgresSchema = postgresSchema;
    this.issuer = new TokenIssuer(server.vertx(), server.config().jwt());
  }

  /** Starts a node; {@code flags} are extra {@code --setting=value} flags. */
  public static TestServer start(String... flags) throws Exception {
    Path dataDir = Files.createTempDirectory("state-server-test");
    return start(dataDir, flags);
  }

  public static TestServer start(Path dataDir, String... flags) throws Exception {
    List<String> args = new ArrayList<>();
    args.add("--http.port=0");
    args.add("--http.host=127.0.0.1");
    args.add("--http.instances=2");
    args.add("--dataDir=" + dataDir);
    args.add("--eventLoopBlockedWarningMs=" + BlockedThreads.WARNING_MS);
    String schema = null;
    boolean explicitDb = List.of(flags).stream().anyMatch(f -> f.startsWith("--db.url"));
    if (usesPostgres() && !explicitDb) {
      schema = "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
      execute(postgresUrl(), "CREATE SCHEMA " + schema);
      args.add("--db.url=" + withSchema(postgresUrl(), schema));
    }
    args.addAll(List.of(flags));
    Map<String, String> env = new HashMap<>();
    ServerConfig config = ConfigLoader.load(args.toArray(String[]::new), env);
    StateServer server =
        StateServer.start(config)
            .toCompletionStage()
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
    return new TestServer(server, schema);
  }

  /** True when in-JVM integration tests run against PostgreSQL instead of H2. */
  public static boolean usesPostgres() {
    return "postgres".equals(System.getProperty(DB_PROPERTY));
  }

  private static String postgresUrl() {
    String url = System.getenv(POSTGRES_URL_VARIABLE);
    if (url == null || url.isBlank()) {
      throw new IllegalStateException(
          DB_PROPERTY + "=postgres needs " + POSTGRES_URL_VARIABLE + " (a JDBC URL)");
    }
    return url;
  }

  private static String withSchema(String url, String schema) {
    return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
  }

  private static void execute(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  public int port() {
    return server.port();
  }

  public StateServer server() {
    return server;
  }

  public String token(String sub, String... roles) {
    return issuer.issue(sub, List.of(roles), 3600);
  }

  public String token(String sub, long lifetimeSeconds, String... roles) {
    return issuer.issue(sub, List.of(roles), lifetimeSeconds);
  }

  public String adminToken() {
    return token("admin-1", "admin");
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    if (postgresSchema != null) {
      execute(postgresUrl(), "DROP SCHEMA IF EXISTS " + postgresSchema + " CASCADE");
    }
  }
}
