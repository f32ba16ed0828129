package io.stateserver.support;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.h2.tools.Server;

/**
 * One database that several server processes share, for cluster tests: a fresh schema in the test
 * PostgreSQL database when {@value #POSTGRES_URL_VARIABLE} is set, otherwise an H2 TCP server in
 * this JVM (loopback only) with a fresh database. The system property {@value #KIND_PROPERTY}
 * ({@code h2} or {@code postgres}) forces one, so that CI can run the cluster tests on both.
 */
public final class SharedDatabase implements AutoCloseable {
  public static final String POSTGRES_URL_VARIABLE = "STATE_TEST_POSTGRES_URL";
  public static final String KIND_PROPERTY = "stateserver.it.db";
  private static final Pattern LOOPBACK_PORT = Pattern.compile("//127\\.0\\.0\\.1:(\\d+)/");

  private final String kind;
  private final String jdbcUrl;
  private final Server h2Server;
  private final String postgresSchema;

  private SharedDatabase(String kind, String jdbcUrl, Server h2Server, String postgresSchema) {
    this.kind = kind;
    this.jdbcUrl = jdbcUrl;
    this.h2Server = h2Server;
    this.postgresSchema = postgresSchema;
  }

  /** PostgreSQL when configured (or forced), else an H2 TCP server. */
  public static SharedDatabase create() {
    String forced = System.getProperty(KIND_PROPERTY, "").toLowerCase(Locale.ROOT);
    String postgresUrl = System.getenv(POSTGRES_URL_VARIABLE);
    boolean postgres =
        switch (forced) {
          case "postgres" -> {
            if (postgresUrl == null) {
              throw new IllegalStateException(
                  KIND_PROPERTY + "=postgres but " + POSTGRES_URL_VARIABLE + " is not set");
            }
            yield true;
          }
          case "h2" -> false;
          default -> postgresUrl != null;
        };
    return postgres ? postgres(postgresUrl) : h2();
  }

  private static SharedDatabase postgres(String baseUrl) {
    String schema = "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    try (Connection c = DriverManager.getConnection(baseUrl);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create schema in " + baseUrl, e);
    }
    String url = baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    return new SharedDatabase("postgres", url, null, schema);
  }

  private static SharedDatabase h2() {
    try {
      Path baseDir =
          Files.createTempDirectory(
              Files.createDirectories(Path.of("target", "server-data")), "h2-shared-");
      int port = FreePorts.find();
      // Without -tcpAllowOthers the server accepts loopback connections only.
      Server server =
          Server.createTcpServer(
                  "-tcpPort",
                  Integer.toString(port),
                  "-ifNotExists",
                  "-baseDir",
                  baseDir.toAbsolutePath().toString())
              .start();
      // LOCK_TIMEOUT as for the embedded default: group commits of several nodes contend for rows.
      String url = "jdbc:h2:tcp://127.0.0.1:" + port + "/state;LOCK_TIMEOUT=10000";
      return new SharedDatabase("h2", url, server, null);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create h2 folder", e);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot start h2 tcp server", e);
    }
  }

  /** Runs one statement from a test thread, as another client of the database would. */
  public void execute(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** The first column of every row of a query, from a test thread. */
  public List<Object> column(String sql) throws SQLException {
    List<Object> values = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        Statement s = c.createStatement();
        ResultSet rows = s.executeQuery(sql)) {
      while (rows.next()) {
        values.add(rows.getObject(1));
      }
    }
    return values;
  }

  /** A {@link TcpProxy} in front of the database, and the JDBC URL that goes through it. */
  public record Proxied(TcpProxy proxy, String jdbcUrl) {}

  /**
   * Starts a proxy in front of this database (both kinds listen on a loopback port), for cutting a
   * node off from it: give the node {@link Proxied#jdbcUrl()}.
   */
  public Proxied throughProxy(Vertx vertx) {
    Matcher port = LOOPBACK_PORT.matcher(jdbcUrl);
    if (!port.find()) {
      throw new IllegalStateException("no loopback port in " + jdbcUrl);
    }
    int proxyPort = FreePorts.find();
    TcpProxy proxy = TcpProxy.start(vertx, proxyPort, Integer.parseInt(port.group(1)));
    return new Proxied(proxy, port.replaceFirst("//127.0.0.1:" + proxyPort + "/"));
  }

  /** {@code h2} or {@code postgres}. */
  public String kind() {
    return kind;
  }

  /** The JDBC URL to give every node as {@code STATE_DB_URL}. */
  public String jdbcUrl() {
    return jdbcUrl;
  }

  @Override
  public void close() throws SQLException {
    if (h2Server != null) {
      h2Server.stop();
    }
    if (postgresSchema != null) {
      try (Connection c = DriverManager.getConnection(System.getenv(POSTGRES_URL_VARIABLE));
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + postgresSchema + " CASCADE");
      }
    }
  }

  @Override
  public String toString() {
    return kind + " " + jdbcUrl;
  }
}
