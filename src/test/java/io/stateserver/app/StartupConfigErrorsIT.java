package io.stateserver.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with unusable key or certificate files, or an address it cannot listen on, refuses to
 * start with exit code 2 and a configuration error: the TLS files before Vert.x starts, the JWT key
 * files on a worker thread once it runs (so that no event loop reads a file).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StartupConfigErrorsIT {
  @TempDir Path dir;

  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream originalErr;

  @BeforeEach
  void captureStandardError() {
    originalErr = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreStandardError() {
    System.setErr(originalErr);
  }

  private String[] args(String... extra) {
    String[] base = {"--http.port=0", "--http.host=127.0.0.1", "--dataDir=" + dir.resolve("data")};
    String[] all = new String[base.length + extra.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return all;
  }

  @Test
  void missingCertificateFileExitsTwoWithAConfigurationError() {
    int code =
        ServeCommand.run(
            args(
                "--http.tls.certFile=" + dir.resolve("absent.pem"),
                "--http.tls.keyFile=" + dir.resolve("absent.key")));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("configuration error")
        .contains("absent.pem");
  }

  @Test
  void aPortInUseExitsTwoWithAConfigurationErrorNamingTheAddress() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int code = ServeCommand.run(args("--http.port=" + taken.getLocalPort()));
      assertThat(code).isEqualTo(2);
      assertThat(err.toString(StandardCharsets.UTF_8))
          .contains("configuration error")
          .contains("cannot listen on 127.0.0.1:" + taken.getLocalPort())
          .contains("STATE_HTTP_PORT");
    }
  }

  @Test
  void aHostThatDoesNotResolveExitsTwoWithAConfigurationErrorNamingIt() {
    int code = ServeCommand.run(args("--http.host=no-such-host.invalid"));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("configuration error")
        .contains("cannot listen on no-such-host.invalid:0")
        .contains("STATE_HTTP_HOST");
  }

  @Test
  void pemFilesWhoseBlocksHoldNoUsableKeyExitTwoWithAConfigurationError() throws Exception {
    Path cert =
        Files.writeString(
            dir.resolve("garbled.pem"),
            "-----BEGIN CERTIFICATE-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE-----\n");
    Path key =
        Files.writeString(
            dir.resolve("garbled.key"),
            "-----BEGIN PRIVATE KEY-----\nZ2FyYmFnZQ==\n-----END PRIVATE KEY-----\n");
    int code = ServeCommand.run(args("--http.tls.certFile=" + cert, "--http.tls.keyFile=" + key));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("configuration error")
        .contains("STATE_TLS_KEY")
        .contains("garbled.key");
  }

  @Test
  void jwtPublicKeyFileThatIsNotPemExitsTwoWithAConfigurationError() throws Exception {
    Path key = Files.writeString(dir.resolve("fleet-2026.pem"), "not a key\n");
    int code = ServeCommand.run(args("--jwt.publicKeys=" + key));
    assertThat(code).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("configuration error")
        .contains("fleet-2026.pem");
  }
}
