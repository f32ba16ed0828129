package io.stateserver.security;

import static io.stateserver.support.HttpCalls.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stateserver.config.ServerConfig;
import io.stateserver.persistence.Database;
import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The registry and revocation tables through {@link ClientService}, on H2 and PostgreSQL. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ClientServiceIT {
  private static final Map<String, ServerConfig.RoleRules> ROLES =
      Map.of("device", new ServerConfig.RoleRules(List.of("#"), List.of("#")));

  @Test
  void registryWorksOnH2(Vertx vertx) throws Exception {
    String url = "jdbc:h2:file:" + Files.createTempDirectory("registry-h2").resolve("db");
    exercise(vertx, new ServerConfig.Db(url, null, null, 4, 100, 0, 3_600_000, 30_000));
  }

  @Test
  void registryWorksOnPostgres(Vertx vertx) throws Exception {
    String base = System.getenv("STATE_TEST_POSTGRES_URL");
    Assumptions.assumeTrue(base != null, "STATE_TEST_POSTGRES_URL not set: PostgreSQL skipped");
    String schema = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    try (Connection c = DriverManager.getConnection(base);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    try {
      String url = base + (base.contains("?") ? "&" : "?") + "currentSchema=" + schema;
      exercise(vertx, new ServerConfig.Db(url, null, null, 4, 100, 0, 3_600_000, 30_000));
    } finally {
      try (Connection c = DriverManager.getConnection(base);
          Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
  }

  private static void exercise(Vertx vertx, ServerConfig.Db db) throws Exception {
    Database database = await(Database.open(vertx, db));
    try {
      ClientService clients = new ClientService(vertx, database, new SecretHasher(1_000), ROLES);

      String secret = await(clients.register("pi-1", List.of("device"))).secret();
      assertThat(await(clients.authenticate("pi-1", secret)).roles()).containsExactly("device");
      assertThat(code(() -> await(clients.register("pi-1", List.of("device")))))
          .isEqualTo(ErrorCode.VERSION_CONFLICT);
      assertThat(code(() -> await(clients.authenticate("pi-1", "wrong"))))
          .isEqualTo(ErrorCode.UNAUTHORIZED);
      assertThat(code(() -> await(clients.authenticate("nobody", secret))))
          .isEqualTo(ErrorCode.UNAUTHORIZED);

      // a rehash that checked the secret against the hash before a rotation must not undo it
      ClientRegistry registry = new ClientRegistry(database.pool());
      String before = await(clients.register("pi-2", List.of("device"))).secret();
      String beforeHash = await(registry.find("pi-2")).secretHash();
      String rotated = await(clients.rotateSecret("pi-2")).secret();
      String rotatedHash = await(registry.find("pi-2")).secretHash();
      assertThat(await(registry.replaceSecretHash("pi-2", beforeHash, "stale", 1L))).isFalse();
      assertThat(await(registry.find("pi-2")).secretHash()).isEqualTo(rotatedHash);
      assertThat(await(clients.authenticate("pi-2", rotated)).clientId()).isEqualTo("pi-2");
      assertThat(code(() -> await(clients.authenticate("pi-2", before))))
          .isEqualTo(ErrorCode.UNAUTHORIZED);
      // a login through a hasher with a higher work factor replaces the weaker hash, after its
      // answer
      ClientService stronger = new ClientService(vertx, database, new SecretHasher(2_000), ROLES);
      assertThat(await(stronger.authenticate("pi-2", rotated)).clientId()).isEqualTo("pi-2");
      String rehashed = rotatedHash;
      for (int i = 0; i < 100 && rehashed.equals(rotatedHash); i++) {
        Thread.sleep(50);
        rehashed = await(registry.find("pi-2")).secretHash();
      }
      assertThat(rehashed).startsWith("pbkdf2-sha256$2000$");
      assertThat(await(stronger.authenticate("pi-2", rotated)).clientId()).isEqualTo("pi-2");

      await(clients.setEnabled("pi-1", false));
      assertThat(code(() -> await(clients.authenticate("pi-1", secret))))
          .isEqualTo(ErrorCode.FORBIDDEN);
      assertThat(await(clients.list()).get(0).enabled()).isFalse();
      assertThat(code(() -> await(clients.setEnabled("nobody", false))))
          .isEqualTo(ErrorCode.NOT_FOUND);

      long now = System.currentTimeMillis() / 1000;
      await(clients.revoke("jti-forever", RevocationStore.NEVER));
      await(clients.revoke("jti-old", now - 100));
      await(clients.revoke("jti-new", now + 100));
      await(clients.revoke("jti-new", now + 200));
      DenyList.Snapshot state = await(clients.denyState(now));
      assertThat(state.disabledClients()).containsExactly("pi-1");
      assertThat(state.revokedTokens())
          .containsOnlyKeys("jti-forever", "jti-new")
          .containsEntry("jti-forever", RevocationStore.NEVER)
          .containsEntry("jti-new", now + 200);
      assertThat(await(clients.purgeRevocations(now))).isEqualTo(1);
    } finally {
      await(database.close());
    }
  }

  private static ErrorCode code(ThrowingCall call) {
    Throwable t = assertThatThrownBy(call::run).isInstanceOf(ExecutionException.class).actual();
    assertThat(t.getCause()).isInstanceOf(StateException.class);
    return ((StateException) t.getCause()).code();
  }

  @FunctionalInterface
  private interface ThrowingCall {
    void run() throws Exception;
  }
}
