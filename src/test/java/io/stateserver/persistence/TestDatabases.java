package io.stateserver.persistence;

import io.stateserver.config.ServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** Fresh, empty databases for integration tests. */
final class TestDatabases {
  static final String POSTGRES_URL_VARIABLE = "STATE_TEST_POSTGRES_URL";

  private TestDatabases() {}

  static ServerConfig.Db db(String url) {
    return new ServerConfig.Db(url, null, null, 4, 500, 0, 3_600_000, 30_000);
  }

  /** An embedded H2 file database in a new folder under {@code parent}. */
  static ServerConfig.Db freshH2(Path parent) throws IOException {
    Path dir = Files.createTempDirectory(parent, "h2-");
    // A generous lock timeout: tests run two stores against one file on a busy machine.
    return db("jdbc:h2:file:" + dir.resolve("db") + ";LOCK_TIMEOUT=20000");
  }

  static String postgresUrl() {
    return System.getenv(POSTGRES_URL_VARIABLE);
  }

  /** A new, empty schema in the test PostgreSQL database, made the connection's current schema. */
  static ServerConfig.Db freshPostgresSchema() throws SQLException {
    String base = postgresUrl();
    String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    try (Connection c = DriverManager.getConnection(base);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    return db(base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema);
  }

  /** Drops a schema made by {@link #freshPostgresSchema()}. */
  static void dropPostgresSchema(ServerConfig.Db db) throws SQLException {
    String url = db.url();
    String schema = url.substring(url.indexOf("currentSchema=") + "currentSchema=".length());
    try (Connection c = DriverManager.getConnection(postgresUrl());
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }
}
