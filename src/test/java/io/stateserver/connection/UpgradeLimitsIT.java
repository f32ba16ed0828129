package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.SyncClient;
import io.stateserver.support.TestServer;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Upgrades refused per remote address, before the upgrade: 429 with Retry-After. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class UpgradeLimitsIT {
  private TestServer server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void upgradeAttemptsBeyondTheAddressBurstGet429WithRetryAfter(Vertx vertx) throws Exception {
    server =
        TestServer.start(
            "--limits.connections.upgradesPerAddressPerMinute=1",
            "--limits.connections.upgradesPerAddressBurst=3");
    String token = server.token("ul-1", "admin");
    for (int i = 0; i < 3; i++) {
      assertThat(SyncClient.upgradeStatus(vertx, server.port(), token, null)).isEqualTo(101);
    }
    List<String> refused = rawUpgrade(server.port(), token);
    assertThat(refused.get(0)).startsWith("HTTP/1.1 429");
    long retryAfter =
        refused.stream()
            .filter(h -> h.toLowerCase().startsWith("retry-after:"))
            .mapToLong(h -> Long.parseLong(h.substring(h.indexOf(':') + 1).trim()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no Retry-After in " + refused));
    assertThat(retryAfter).isBetween(1L, 60L);
    // no token needed to be refused: the address check comes first
    assertThat(SyncClient.upgradeStatus(vertx, server.port(), null, null)).isEqualTo(429);
    assertThat(RateLimitsITSupport.rejections(server.port(), "upgrade_address")).isEqualTo(2);
  }

  @Test
  void connectionsBeyondThePerAddressLimitAreRefusedWith429(Vertx vertx) throws Exception {
    server = TestServer.start("--limits.connections.perAddress=2");
    try (SyncClient a = SyncClient.connect(vertx, server.port(), server.token("ua-1", "admin"));
        SyncClient b = SyncClient.connect(vertx, server.port(), server.token("ua-2", "admin"))) {
      assertThat(a.hello()).isNotNull();
      assertThat(b.hello()).isNotNull();
      assertThat(SyncClient.upgradeStatus(vertx, server.port(), server.token("ua-3"), null))
          .isEqualTo(429);
      assertThat(RateLimitsITSupport.rejections(server.port(), "connections_address")).isEqualTo(1);
    }
  }

  /** Sends an upgrade request by hand and returns the status line and headers of the answer. */
  private static List<String> rawUpgrade(int port, String token) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      String request =
          "GET /v1/ws HTTP/1.1\r\n"
              + "Host: 127.0.0.1:"
              + port
              + "\r\n"
              + "Upgrade: websocket\r\n"
              + "Connection: Upgrade\r\n"
              + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              + "Sec-WebSocket-Version: 13\r\n"
              + "Authorization: Bearer "
              + token
              + "\r\n\r\n";
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      List<String> lines = new ArrayList<>();
      String line;
      while ((line = in.readLine()) != null && !line.isEmpty()) {
        lines.add(line);
      }
      return lines;
    }
  }
}
