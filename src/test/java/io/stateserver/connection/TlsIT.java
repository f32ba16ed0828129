package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stateserver.support.SyncClient;
import io.stateserver.support.TestCertificate;
import io.stateserver.support.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * HTTPS and WSS from PEM files (issue 3, item 10), with a self-signed certificate made by {@code
 * openssl} at test time; skipped when openssl is not installed.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class TlsIT {
  private static TestCertificate certificate;
  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    certificate = TestCertificate.createOrSkip();
    server = TestServer.start(certificate.serverFlags());
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private static WebSocketConnectOptions wsOptions(String token) {
    return new WebSocketConnectOptions()
        .setHost("127.0.0.1")
        .setPort(server.port())
        .setURI("/v1/ws")
        .addHeader("Authorization", "Bearer " + token);
  }

  private static WebSocketClientOptions trusting() {
    return certificate.trustingClient();
  }

  /**
   * The lingering close after a refused frame (LingeringClose) over TLS: the close frame is
   * encrypted and written before the server ends its side, so the client reads 1009 although
   * megabytes of its frame are still on their way. A guard for the TLS path: the reset that lost
   * the close frame over plain TCP (FrameLimitsIT) did not show over TLS before the fix either.
   */
  @Test
  void aFrameOverTheLimitClosesWith1009OverWssToo(Vertx vertx) throws Exception {
    String big =
        SyncClient.request("set", "key", "tls/huge", "value", "x".repeat(3_000_000)).encode();
    for (int attempt = 0; attempt < 4; attempt++) {
      WebSocketClient client = vertx.createWebSocketClient(trusting());
      CompletableFuture<Short> closed = new CompletableFuture<>();
      ClientWebSocket ws = client.webSocket();
      ws.closeHandler(v -> closed.complete(ws.closeStatusCode()));
      SyncClient.await(ws.connect(wsOptions(server.adminToken())));
      try {
        ws.writeTextMessage(big);
        for (int i = 0; i < 20; i++) {
          ws.writeTextMessage(SyncClient.request("ping").encode());
        }
        assertThat(closed.get(20, TimeUnit.SECONDS))
            .as("connection " + attempt)
            .isEqualTo((short) 1009);
      } finally {
        SyncClient.await(client.close());
      }
    }
  }

  @Test
  void aClientTrustingTheCertificateTalksOverWss(Vertx vertx) throws Exception {
    WebSocketClient client = vertx.createWebSocketClient(trusting());
    CompletableFuture<JsonObject> hello = new CompletableFuture<>();
    // The handler before connecting, so that the hello cannot arrive without one.
    ClientWebSocket ws = client.webSocket();
    ws.textMessageHandler(t -> hello.complete(new JsonObject(t)));
    SyncClient.await(ws.connect(wsOptions(server.adminToken())));
    try {
      assertThat(ws.isSsl()).isTrue();
      assertThat(hello.get(20, TimeUnit.SECONDS).getString("type")).isEqualTo("hello");
    } finally {
      SyncClient.await(ws.close());
      client.close();
    }
  }

  /**
   * Frames written straight into the channel (SocketWriter) pass the TLS handler intact: a reply
   * over 65,535 bytes (a 64-bit length in its header) and a pipelined burst whose replies fill the
   * channel, all in order.
   */
  @Test
  void largeFramesAndABurstOfRepliesArriveIntactOverWss(Vertx vertx) throws Exception {
    WebSocketClient client =
        vertx.createWebSocketClient(trusting().setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20));
    String big = "x".repeat(65_000);
    int burst = 300;
    CompletableFuture<JsonObject> bigReply = new CompletableFuture<>();
    CompletableFuture<List<Long>> burstIds = new CompletableFuture<>();
    List<Long> seen = new ArrayList<>();
    ClientWebSocket ws = client.webSocket();
    ws.textMessageHandler(
        t -> {
          JsonObject frame = new JsonObject(t);
          if (!"reply".equals(frame.getString("type"))) {
            return;
          }
          long id = frame.getLong("id");
          if (id == 1) {
            bigReply.complete(frame);
          } else if (id >= 100) {
            seen.add(id);
            if (seen.size() == burst) {
              burstIds.complete(seen);
            }
          }
        });
    SyncClient.await(ws.connect(wsOptions(server.adminToken())));
    try {
      SyncClient.await(
          ws.writeTextMessage(
              SyncClient.request("set", "key", "tls/big", "value", big).put("id", 0).encode()));
      SyncClient.await(
          ws.writeTextMessage(SyncClient.request("get", "key", "tls/big").put("id", 1).encode()));
      for (int i = 0; i < burst; i++) {
        ws.writeTextMessage(
            SyncClient.request("get", "key", "tls/big").put("id", 100 + i).encode());
      }
      JsonObject reply = bigReply.get(20, TimeUnit.SECONDS);
      assertThat(reply.getBoolean("ok")).isTrue();
      assertThat(reply.getString("value")).isEqualTo(big);
      assertThat(burstIds.get(60, TimeUnit.SECONDS))
          .as("every reply of the burst, in request order")
          .isSorted()
          .doesNotHaveDuplicates()
          .hasSize(burst);
    } finally {
      SyncClient.await(ws.close());
      client.close();
    }
  }

  @Test
  void healthAndStateAnswerOverHttps(Vertx vertx) {
    var http =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setSsl(true)
                .setVerifyHost(true)
                .setTrustOptions(new PemTrustOptions().addCertPath(certificate.cert().toString())));
    int status =
        SyncClient.await(
            http.request(
                    new RequestOptions()
                        .setMethod(HttpMethod.GET)
                        .setHost("127.0.0.1")
                        .setPort(server.port())
                        .setURI("/health/live"))
                .compose(r -> r.send())
                .map(r -> r.statusCode()));

    assertThat(status).isEqualTo(200);
    http.close();
  }

  @Test
  void aClientThatDoesNotTrustTheCertificateIsRefused(Vertx vertx) {
    WebSocketClient client =
        vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true).setVerifyHost(true));

    assertThatThrownBy(() -> SyncClient.await(client.connect(wsOptions(server.adminToken()))))
        .isInstanceOf(AssertionError.class)
        .hasStackTraceContaining("SSLHandshakeException");
    client.close();
  }

  @Test
  void plainWebSocketToTheTlsPortGetsNoSession(Vertx vertx) {
    WebSocketClient client = vertx.createWebSocketClient();

    assertThatThrownBy(() -> SyncClient.await(client.connect(wsOptions(server.adminToken()))))
        .isInstanceOf(AssertionError.class);
    client.close();
  }
}
