package io.stateserver.connection;

import io.stateserver.support.TestCertificate;
import io.stateserver.support.TestServer;
import io.vertx.core.http.WebSocketClientOptions;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link SlowConsumerScenario} over WSS: the frames the server writes go through Netty's TLS
 * handler, whose buffered records must still make the socket unwritable so that changes conflate.
 * Skipped when openssl is not installed.
 */
class SlowConsumerTlsIT extends SlowConsumerScenario {
  private static TestCertificate certificate;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    certificate = TestCertificate.createOrSkip();
    server =
        TestServer.start(
            Stream.of(UNLIMITED_RATES, certificate.serverFlags())
                .flatMap(Stream::of)
                .toArray(String[]::new));
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Override
  TestServer server() {
    return server;
  }

  @Override
  WebSocketClientOptions clientOptions() {
    return certificate.trustingClient();
  }
}
