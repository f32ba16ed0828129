package io.stateserver.persistence;

import io.stateserver.config.ServerConfig;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the schema up to date with Flyway, using the migrations of the URL's dialect. Blocking:
 * run it on a worker thread ({@code vertx.executeBlocking}).
 */
public final class Migrations {
  private static final Logger log = LoggerFactory.getLogger(Migrations.class);

  private Migrations() {}

  /** Applies every pending migration and returns how many were applied. */
  public static int migrate(ServerConfig.Db db) {
    MigrateResult result = configure(db).load().migrate();
    log.info(
        "database schema up to date [version: {}, applied: {}]",
        result.targetSchemaVersion,
        result.migrationsExecuted);
    return result.migrationsExecuted;
  }

  /** The Flyway configuration for a database, for callers that need more than {@link #migrate}. */
  public static FluentConfiguration configure(ServerConfig.Db db) {
    return Flyway.configure()
        .dataSource(db.url(), db.user(), db.password())
        .locations(Dialect.of(db.url()).migrationLocation())
        .failOnMissingLocations(true);
  }
}
