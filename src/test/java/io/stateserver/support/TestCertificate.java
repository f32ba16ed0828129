package io.stateserver.support;

import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.net.PemTrustOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A self-signed P-256 certificate for 127.0.0.1 and localhost, valid for a day, made by {@code
 * openssl} at test time so that no key material lives in the repository.
 */
public record TestCertificate(Path cert, Path key) {

  /** Empty when openssl is not installed or fails: TLS tests are then skipped, not failed. */
  public static Optional<TestCertificate> create() throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("state-server-tls");
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    ProcessBuilder pb =
        new ProcessBuilder(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=localhost",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout",
                key.toString(),
                "-out",
                cert.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("openssl.log").toFile());
    try {
      Process p = pb.start();
      boolean made = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 && Files.size(cert) > 0;
      return made ? Optional.of(new TestCertificate(cert, key)) : Optional.empty();
    } catch (IOException noOpenssl) {
      return Optional.empty();
    }
  }

  /** A new certificate, or the calling test class is skipped when openssl cannot make one. */
  public static TestCertificate createOrSkip() throws IOException, InterruptedException {
    Optional<TestCertificate> made = create();
    Assumptions.assumeTrue(
        made.isPresent(), "openssl is not available: cannot make a test certificate");
    return made.get();
  }

  /** The server flags that serve HTTPS and WSS with this certificate. */
  public String[] serverFlags() {
    return new String[] {"--http.tls.certFile=" + cert, "--http.tls.keyFile=" + key};
  }

  /** Client options that trust this certificate and check the host name. */
  public WebSocketClientOptions trustingClient() {
    return new WebSocketClientOptions()
        .setSsl(true)
        .setVerifyHost(true)
        .setTrustOptions(new PemTrustOptions().addCertPath(cert.toString()));
  }
}
