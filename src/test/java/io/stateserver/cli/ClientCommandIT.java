package io.stateserver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.TestClient;
import io.stateserver.support.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code client add|disable|enable|rotate-secret|list} against the configured database. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class ClientCommandIT {

  private record Run(int code, String out, String err) {}

  private static Run client(Path dataDir, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] full = new String[args.length + 2];
    full[args.length + 1] = "--data-dir=" + dataDir;
    System.arraycopy(args, 0, full, 0, args.length);
    full[args.length] = "--db.url=" + h2(dataDir);
    int code =
        ClientCommand.run(
            full,
            Map.of(),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(
        code, out.toString(StandardCharsets.UTF_8).trim(), err.toString(StandardCharsets.UTF_8));
  }

  /** The tool and the node share this embedded database, also when the ITs run on PostgreSQL. */
  private static String h2(Path dataDir) {
    return "jdbc:h2:file:" + dataDir + "/state;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000";
  }

  private static TestServer server(Path dataDir) throws Exception {
    return TestServer.start(dataDir, "--db.url=" + h2(dataDir));
  }

  private static int tokenStatus(int port, String clientId, String secret) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/auth/token"))
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    new JsonObject().put("clientId", clientId).put("secret", secret).encode()))
            .build();
    return HttpClient.newHttpClient()
        .send(request, HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  @Test
  void commandsManageTheRegistryThatTheServerUses() throws Exception {
    Path dir = Files.createTempDirectory("client-cli");

    Run add = client(dir, "add", "pi-cli", "--roles", "device");
    assertThat(add.code()).as(add.err()).isEqualTo(ExitCodes.OK);
    String secret = new JsonObject(add.out()).getString("secret");
    assertThat(client(dir, "add", "pi-cli", "--roles", "device").code())
        .isEqualTo(ExitCodes.ERROR_REPLY);

    Run list = client(dir, "list");
    assertThat(list.code()).isEqualTo(ExitCodes.OK);
    JsonObject listed = new JsonObject(list.out());
    assertThat(listed.getString("clientId")).isEqualTo("pi-cli");
    assertThat(listed.getBoolean("enabled")).isTrue();
    assertThat(list.out()).doesNotContain(secret);

    Run rotate = client(dir, "rotate-secret", "pi-cli");
    assertThat(rotate.code()).isEqualTo(ExitCodes.OK);
    String rotated = new JsonObject(rotate.out()).getString("secret");
    assertThat(rotated).isNotEqualTo(secret);

    try (TestServer server = server(dir)) {
      assertThat(tokenStatus(server.port(), "pi-cli", secret)).isEqualTo(401);
      assertThat(tokenStatus(server.port(), "pi-cli", rotated)).isEqualTo(200);
    }
    assertThat(client(dir, "disable", "pi-cli").code()).isEqualTo(ExitCodes.OK);
    assertThat(new JsonObject(client(dir, "list").out()).getBoolean("enabled")).isFalse();
    try (TestServer server = server(dir)) {
      assertThat(tokenStatus(server.port(), "pi-cli", rotated)).isEqualTo(403);
    }
    assertThat(client(dir, "enable", "pi-cli").code()).isEqualTo(ExitCodes.OK);
    assertThat(client(dir, "disable", "pi-nobody").code()).isEqualTo(ExitCodes.ERROR_REPLY);
  }

  @Test
  void aRunningServerPicksUpADisableMadeWithTheToolAndClosesTheConnection(Vertx vertx)
      throws Exception {
    Path dir = Files.createTempDirectory("client-cli-live");
    try (TestServer server = server(dir)) {
      // same JVM: the tool can open the server's embedded database alongside it
      assertThat(client(dir, "add", "pi-live", "--roles", "device").code()).isEqualTo(0);
      TestClient live =
          TestClient.connect(vertx, server.port(), server.token("pi-live", "device"))
              .toCompletionStage()
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      live.hello().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

      assertThat(client(dir, "disable", "pi-live").code()).isEqualTo(0);

      // the tool cannot reach the cluster: the node's periodic re-read finds the change
      Short code =
          live.closed().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(code).isEqualTo((short) 4403);
    }
  }

  @Test
  void badCommandLinesAreUsageErrors() throws Exception {
    Path dir = Files.createTempDirectory("client-cli-usage");
    assertThat(client(dir, "add", "pi-x").code()).isEqualTo(ExitCodes.USAGE);
    assertThat(client(dir, "frobnicate", "pi-x").code()).isEqualTo(ExitCodes.USAGE);
    assertThat(client(dir, "disable").code()).isEqualTo(ExitCodes.USAGE);
    assertThat(client(dir, "disable", "pi-x", "--roles", "a").code()).isEqualTo(ExitCodes.USAGE);
  }
}
