package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stateserver.config.ConfigException;
import io.stateserver.config.ServerConfig;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerTlsTest {
  private static ServerConfig.Http http(ServerConfig.Tls tls) {
    return new ServerConfig.Http("127.0.0.1", 0, List.of(), 10_000, 1, 30_000, 20_000, true, tls);
  }

  @Test
  void plainHttpWithoutTlsSettings() {
    HttpServerOptions options = ServerTls.apply(new HttpServerOptions(), http(null));

    assertThat(options.isSsl()).isFalse();
    assertThat(options.isSni()).isFalse();
  }

  @Test
  void tlsFromPemFilesNeverTurnsSniOn() {
    HttpServerOptions options =
        ServerTls.apply(
            new HttpServerOptions().setSni(true),
            http(new ServerConfig.Tls(Path.of("/c/cert.pem"), Path.of("/c/key.pem"))));

    assertThat(options.isSsl()).isTrue();
    assertThat(options.isSni()).isFalse();
    assertThat(options.getKeyCertOptions()).isInstanceOf(PemKeyCertOptions.class);
    PemKeyCertOptions pem = (PemKeyCertOptions) options.getKeyCertOptions();
    assertThat(pem.getCertPaths()).containsExactly("/c/cert.pem");
    assertThat(pem.getKeyPaths()).containsExactly("/c/key.pem");
  }

  @Test
  void theCoreOnTheClassPathHasTheSniFix() {
    String version = ServerTls.coreVersion();

    assertThat(version).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(ServerTls.isBefore(version, ServerTls.SNI_FIXED_CORE))
        .as("vertx-core %s predates the fix of CVE-2026-6860", version)
        .isFalse();
  }

  @Test
  void tlsWithSniIsRefusedOnAVulnerableCore() {
    HttpServerOptions sni = new HttpServerOptions().setSsl(true).setSni(true);

    for (String vulnerable : List.of("5.0.7", "5.0.11", "4.5.26", "unknown")) {
      assertThatThrownBy(() -> ServerTls.refuseVulnerableSni(sni, vulnerable))
          .as(vulnerable)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("CVE-2026-6860");
    }
    ServerTls.refuseVulnerableSni(sni, "5.0.12");
    ServerTls.refuseVulnerableSni(sni, "5.1.0");
    ServerTls.refuseVulnerableSni(new HttpServerOptions().setSsl(true), "5.0.7");
  }

  @Test
  void versionsCompareNumerically() {
    assertThat(ServerTls.isBefore("5.0.7", "5.0.12")).isTrue();
    assertThat(ServerTls.isBefore("5.0.12", "5.0.12")).isFalse();
    assertThat(ServerTls.isBefore("5.0.13-SNAPSHOT", "5.0.12")).isFalse();
    assertThat(ServerTls.isBefore("5.1", "5.0.12")).isFalse();
    assertThat(ServerTls.isBefore("4.9.99", "5.0.12")).isTrue();
  }

  @Test
  void missingOrWrongPemFilesAreConfigurationErrors(@TempDir Path dir) throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

    assertThatThrownBy(() -> ServerTls.check(http(new ServerConfig.Tls(cert, key))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("STATE_TLS_KEY");
    Files.writeString(key, "not a key");
    assertThatThrownBy(() -> ServerTls.check(http(new ServerConfig.Tls(cert, key))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("PRIVATE KEY");
    Files.writeString(key, "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
    ServerTls.check(http(new ServerConfig.Tls(cert, key)));
  }
}
