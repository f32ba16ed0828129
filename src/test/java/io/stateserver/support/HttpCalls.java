package io.stateserver.support;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/** Blocking HTTP calls (java.net.http) for the integration tests of the HTTP and admin APIs. */
public final class HttpCalls {
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final int port;

  public HttpCalls(int port) {
    this.port = port;
  }

  public record Reply(int status, JsonObject body, HttpResponse<String> raw) {
    public String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  public Reply post(String path, String token, JsonObject body) throws Exception {
    return send(
        builder(path, token)
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    body == null ? "" : body.encode(), StandardCharsets.UTF_8)));
  }

  /** {@code PUT} of a JSON body (sent as text, as it is). */
  public Reply put(String path, String token, String json) throws Exception {
    return send(
        builder(path, token)
            .header("Content-Type", "application/json")
            .PUT(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)));
  }

  public Reply get(String path, String token) throws Exception {
    return send(builder(path, token).GET());
  }

  public Reply delete(String path, String token) throws Exception {
    return send(builder(path, token).DELETE());
  }

  /** {@code POST /v1/auth/token}. */
  public Reply token(String clientId, String secret) throws Exception {
    return post(
        "/v1/auth/token", null, new JsonObject().put("clientId", clientId).put("secret", secret));
  }

  /** Registers a client through the admin API and returns its secret. */
  public String register(String adminToken, String clientId, String... roles) throws Exception {
    Reply r =
        post(
            "/v1/admin/clients",
            adminToken,
            new JsonObject()
                .put("clientId", clientId)
                .put("roles", new io.vertx.core.json.JsonArray(java.util.List.of(roles))));
    if (r.status() != 201) {
      throw new AssertionError("register failed: " + r.status() + " " + r.raw().body());
    }
    return r.body().getString("secret");
  }

  /** A token from the token endpoint (which must succeed). */
  public String issuedToken(String clientId, String secret) throws Exception {
    Reply r = token(clientId, secret);
    if (r.status() != 200) {
      throw new AssertionError("token request failed: " + r.status() + " " + r.raw().body());
    }
    return r.body().getString("token");
  }

  private HttpRequest.Builder builder(String path, String token) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  private Reply send(HttpRequest.Builder request) throws Exception {
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    String text = response.body();
    JsonObject json = text == null || !text.startsWith("{") ? null : new JsonObject(text);
    return new Reply(response.statusCode(), json, response);
  }

  /** The claims of a JWT (not verified: only for reading jti and the like in tests). */
  public static JsonObject claims(String token) {
    String payload = token.split("\\.")[1];
    return new JsonObject(
        new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8));
  }

  public static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
