package io.stateserver.persistence;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.stateserver.config.ServerConfig;
import org.junit.jupiter.api.BeforeAll;

/**
 * The store contract on PostgreSQL, each test in a new schema. Needs {@code
 * STATE_TEST_POSTGRES_URL}, e.g. {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}.
 */
class PostgresStoreIT extends AbstractStoreIT {
  @BeforeAll
  static void needsPostgres() {
    assumeTrue(
        TestDatabases.postgresUrl() != null,
        "skipped: set " + TestDatabases.POSTGRES_URL_VARIABLE + " to run against PostgreSQL");
  }

  @Override
  ServerConfig.Db freshDatabase() throws Exception {
    return TestDatabases.freshPostgresSchema();
  }

  @Override
  void discard(ServerConfig.Db db) throws Exception {
    TestDatabases.dropPostgresSchema(db);
  }
}
