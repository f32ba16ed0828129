package io.stateserver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.config.ConfigLoader;
import io.stateserver.config.ServerConfig;
import io.stateserver.security.Principal;
import io.stateserver.security.TokenVerifier;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenCommandTest {
  @TempDir Path tmp;

  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
  private Vertx vertx;

  @BeforeEach
  void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void closeVertx() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private int run(Map<String, String> env, String... args) {
    return TokenCommand.run(args, env, out, err);
  }

  private String stdout() {
    return outBytes.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  private Principal verify(ServerConfig config, String token) throws Exception {
    return new TokenVerifier(vertx, config.jwt())
        .verify(token)
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void printsATokenTheServerAcceptsUsingTheDataFolderSecret() throws Exception {
    Path dataDir = tmp.resolve("data");

    int code =
        run(
            Map.of(),
            "token",
            "--sub",
            "pi-7",
            "--roles",
            "device,admin",
            "--ttl=120",
            "--data-dir",
            dataDir.toString());

    assertThat(code).as(stderr()).isZero();
    assertThat(dataDir.resolve("jwt-secret")).exists();
    String token = stdout().trim();
    assertThat(token.split("\\.")).hasSize(3);
    ServerConfig server = ConfigLoader.load(new String[] {"--data-dir=" + dataDir}, Map.of());
    Principal principal = verify(server, token);
    assertThat(principal.clientId()).isEqualTo("pi-7");
    assertThat(principal.roles()).containsExactly("device", "admin");
    assertThat(principal.expiresAt())
        .isBetween(
            System.currentTimeMillis() / 1000 + 100, System.currentTimeMillis() / 1000 + 130);
  }

  @Test
  void aTokenSignedWithTheSecretOfADataFolderNoServerUsedSaysWhichFolderItWas() throws Exception {
    Path fresh = tmp.resolve("elsewhere");
    assertThat(run(Map.of(), "--sub=pi-1", "--data-dir=" + fresh)).isZero();
    assertThat(stderr()).contains("no server has used").contains(fresh.toString());
    assertThat(stdout().trim().split("\\.")).hasSize(3);

    // the server's folder: its database is there
    errBytes.reset();
    Files.createFile(fresh.resolve("state.mv.db"));
    assertThat(run(Map.of(), "--sub=pi-1", "--data-dir=" + fresh)).isZero();
    assertThat(stderr()).isEmpty();

    // a database elsewhere: no embedded database file in the folder says nothing
    errBytes.reset();
    Path other = tmp.resolve("memory");
    assertThat(run(Map.of(), "--sub=pi-1", "--data-dir=" + other, "--db.url=jdbc:h2:mem:t"))
        .isZero();
    assertThat(stderr()).isEmpty();

    // a configured secret: the folder does not matter
    errBytes.reset();
    Map<String, String> env =
        Map.of("STATE_JWT_SECRET", "an-environment-secret-of-enough-length!!");
    assertThat(run(env, "--sub=pi-1", "--data-dir=" + tmp.resolve("other"))).isZero();
    assertThat(stderr()).isEmpty();
  }

  @Test
  void usesTheSecretFromTheEnvironmentWhenSet() throws Exception {
    Map<String, String> env =
        Map.of(
            "STATE_JWT_SECRET",
            "an-environment-secret-of-enough-length!!",
            "STATE_DATA_DIR",
            tmp.resolve("data").toString());

    assertThat(run(env, "--sub=pi-1")).as(stderr()).isZero();

    assertThat(tmp.resolve("data").resolve("jwt-secret")).doesNotExist();
    ServerConfig server = ConfigLoader.load(new String[0], env);
    assertThat(verify(server, stdout().trim()).roles()).isEmpty();
  }

  @Test
  void aTokenSignedWithAnotherDataFolderSecretIsRefused() throws Exception {
    run(Map.of(), "--sub=pi-1", "--data-dir=" + tmp.resolve("one"));
    ServerConfig other =
        ConfigLoader.load(new String[] {"--data-dir=" + tmp.resolve("two")}, Map.of());

    var result =
        new TokenVerifier(vertx, other.jwt())
            .verify(stdout().trim())
            .toCompletionStage()
            .toCompletableFuture();

    assertThat(result).failsWithin(10, TimeUnit.SECONDS);
  }

  @Test
  void missingSubIsAUsageError() {
    assertThat(run(Map.of(), "--roles=device", "--data-dir=" + tmp)).isEqualTo(TokenCommand.USAGE);
    assertThat(stderr()).contains("--sub");
    assertThat(stdout()).isEmpty();
  }

  @Test
  void aSubThatIsNotAValidClientIdIsAUsageError() {
    for (String sub : List.of("+", "#", "pi-7/x", "a\u0000b", "$sys", "L".repeat(300))) {
      assertThat(run(Map.of(), "--sub", sub, "--data-dir=" + tmp))
          .as("sub %s", sub)
          .isEqualTo(ExitCodes.USAGE);
    }
    assertThat(stderr()).contains("--sub");
    assertThat(stdout()).isEmpty();
  }

  @Test
  void badTtlIsAUsageError() {
    assertThat(run(Map.of(), "--sub=a", "--ttl=soon", "--data-dir=" + tmp))
        .isEqualTo(TokenCommand.USAGE);
    assertThat(run(Map.of(), "--sub=a", "--ttl", "0", "--data-dir=" + tmp))
        .isEqualTo(TokenCommand.USAGE);
    assertThat(stderr()).contains("--ttl");
  }

  @Test
  void badServerFlagIsAUsageErrorNamingIt() {
    assertThat(run(Map.of(), "--sub=a", "--no-such-flag=1")).isEqualTo(TokenCommand.USAGE);
    assertThat(stderr()).contains("unknown flag --noSuchFlag");
  }

  @Test
  void shortConfiguredSecretIsAUsageError() {
    assertThat(run(Map.of("STATE_JWT_SECRET", "short"), "--sub=a", "--data-dir=" + tmp))
        .isEqualTo(TokenCommand.USAGE);
    assertThat(stderr()).contains("jwt.secret");
  }

  @Test
  void helpPrintsUsageAndSucceeds() throws Exception {
    assertThat(run(Map.of(), "--help")).isZero();
    assertThat(stdout()).contains("--sub").contains("--roles").contains("--ttl");
    try (var files = Files.list(tmp)) {
      assertThat(files).isEmpty();
    }
  }
}
