package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.SharedServer;
import io.stateserver.support.SyncClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** PROTOCOL.md section 7: the state operations over HTTP, health and metrics. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class HttpApiIT {
  private static final String MERGE_PATCH = "application/merge-patch+json";

  @RegisterExtension
  static final SharedServer server = new SharedServer("--limits.maxValueBytes=1024");

  private static HttpClient http;
  private static String admin;

  @BeforeAll
  static void start() throws Exception {
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    admin = server.adminToken();
  }

  // ---- helpers ----

  private static HttpRequest.Builder to(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(20));
  }

  private static HttpRequest.Builder state(String key, String token) {
    HttpRequest.Builder b = to("/v1/state/" + key);
    return token == null ? b : b.header("Authorization", "Bearer " + token);
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static HttpResponse<String> put(
      String key, String token, String json, String... headers) {
    HttpRequest.Builder b =
        state(key, token)
            .PUT(HttpRequest.BodyPublishers.ofString(json))
            .header("Content-Type", "application/json");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b);
  }

  private static HttpResponse<String> patch(
      String key, String type, String json, String... headers) {
    HttpRequest.Builder b =
        state(key, admin)
            .method("PATCH", HttpRequest.BodyPublishers.ofString(json))
            .header("Content-Type", type);
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b);
  }

  private static HttpResponse<String> get(String key, String token) {
    return send(state(key, token).GET());
  }

  private static HttpResponse<String> delete(String key, String... headers) {
    HttpRequest.Builder b = state(key, admin).DELETE();
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b);
  }

  private static String etag(HttpResponse<String> response) {
    return response.headers().firstValue("ETag").orElse(null);
  }

  private static String errorCode(HttpResponse<String> response) {
    return new JsonObject(response.body()).getJsonObject("error").getString("code");
  }

  // ---- GET / PUT ----

  @Test
  void getOfAbsentKeyIs404NotFound() {
    HttpResponse<String> r = get("h/absent", admin);
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(errorCode(r)).isEqualTo("not_found");
  }

  @Test
  void putThenGetCarriesValueAndVersionAsETag() {
    HttpResponse<String> put = put("h/k", admin, "{\"a\":[1,2]}");
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(etag(put)).isEqualTo("\"1\"");
    assertThat(new JsonObject(put.body()).getLong("version")).isEqualTo(1);
    HttpResponse<String> get = get("h/k", admin);
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(etag(get)).isEqualTo("\"1\"");
    assertThat(get.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
    assertThat(new JsonObject(get.body()))
        .isEqualTo(new JsonObject().put("a", new JsonArray().add(1).add(2)));
    assertThat(etag(put("h/k", admin, "\"scalar\""))).isEqualTo("\"2\"");
    assertThat(get("h/k", admin).body()).isEqualTo("\"scalar\"");
  }

  @Test
  void ifMatchIsCompareAndSetAnd412OnMismatch() {
    put("h/cas", admin, "1");
    HttpResponse<String> stale = put("h/cas", admin, "2", "If-Match", "\"5\"");
    assertThat(stale.statusCode()).isEqualTo(412);
    assertThat(errorCode(stale)).isEqualTo("version_conflict");
    assertThat(new JsonObject(stale.body()).getJsonObject("error").getLong("version")).isEqualTo(1);
    assertThat(get("h/cas", admin).body()).isEqualTo("1");
    HttpResponse<String> ok = put("h/cas", admin, "3", "If-Match", "\"1\"");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(etag(ok)).isEqualTo("\"2\"");
    assertThat(put("h/cas-absent", admin, "1", "If-Match", "\"1\"").statusCode()).isEqualTo(412);
  }

  @Test
  void ifNoneMatchStarOnlyCreates() {
    HttpResponse<String> created = put("h/create", admin, "1", "If-None-Match", "*");
    assertThat(created.statusCode()).isEqualTo(200);
    assertThat(etag(created)).isEqualTo("\"1\"");
    HttpResponse<String> again = put("h/create", admin, "2", "If-None-Match", "*");
    assertThat(again.statusCode()).isEqualTo(412);
    assertThat(get("h/create", admin).body()).isEqualTo("1");
  }

  @Test
  void aConditionalGetAnswers304WhenTheVersionIsTheOneHeldAnd412WhenIfMatchDiffers() {
    put("h/cond", admin, "\"a\"");
    put("h/cond", admin, "\"b\"");
    HttpResponse<String> same = send(state("h/cond", admin).GET().header("If-None-Match", "\"2\""));
    assertThat(same.statusCode()).isEqualTo(304);
    assertThat(same.body()).isEmpty();
    assertThat(etag(same)).isEqualTo("\"2\"");
    HttpResponse<String> older =
        send(state("h/cond", admin).GET().header("If-None-Match", "W/\"1\""));
    assertThat(older.statusCode()).isEqualTo(200);
    assertThat(older.body()).isEqualTo("\"b\"");
    assertThat(send(state("h/cond", admin).GET().header("If-None-Match", "*")).statusCode())
        .isEqualTo(304);
    assertThat(send(state("h/cond-absent", admin).GET().header("If-None-Match", "*")).statusCode())
        .isEqualTo(404);

    HttpResponse<String> stale = send(state("h/cond", admin).GET().header("If-Match", "\"1\""));
    assertThat(stale.statusCode()).isEqualTo(412);
    assertThat(errorCode(stale)).isEqualTo("version_conflict");
    assertThat(new JsonObject(stale.body()).getJsonObject("error").getLong("version")).isEqualTo(2);
    assertThat(send(state("h/cond", admin).GET().header("If-Match", "\"2\"")).body())
        .isEqualTo("\"b\"");
    assertThat(send(state("h/cond-absent", admin).GET().header("If-Match", "\"1\"")).statusCode())
        .isEqualTo(412);
    assertThat(send(state("h/cond", admin).GET().header("If-None-Match", "two")).statusCode())
        .isEqualTo(400);
  }

  @Test
  void aGetTakesListsOfEntityTagsAndStarButAWriteTakesOneVersion() {
    put("h/tags", admin, "1");
    put("h/tags", admin, "2");
    assertThat(
            send(state("h/tags", admin).GET().header("If-None-Match", "\"1\", W/\"2\""))
                .statusCode())
        .isEqualTo(304);
    assertThat(send(state("h/tags", admin).GET().header("If-None-Match", "\"1\",\"3\"")).body())
        .isEqualTo("2");
    assertThat(send(state("h/tags", admin).GET().header("If-Match", "\"1\", \"2\"")).body())
        .isEqualTo("2");
    HttpResponse<String> neither =
        send(state("h/tags", admin).GET().header("If-Match", "\"1\", \"3\""));
    assertThat(neither.statusCode()).isEqualTo(412);
    assertThat(new JsonObject(neither.body()).getJsonObject("error").getLong("version"))
        .isEqualTo(2);
    assertThat(send(state("h/tags", admin).GET().header("If-Match", "*")).statusCode())
        .isEqualTo(200);
    assertThat(send(state("h/tags-absent", admin).GET().header("If-Match", "*")).statusCode())
        .isEqualTo(412);
    assertThat(
            send(state("h/tags", admin).GET().header("If-None-Match", "\"1\", two")).statusCode())
        .isEqualTo(400);

    HttpResponse<String> listedWrite = put("h/tags", admin, "3", "If-Match", "\"1\", \"2\"");
    assertThat(listedWrite.statusCode()).isEqualTo(400);
    assertThat(get("h/tags", admin).body()).as("a refused write changes nothing").isEqualTo("2");
  }

  @Test
  void headAnswersWhatGetAnswersWithoutTheBody() {
    put("h/head", admin, "{\"a\":12345}");
    HttpResponse<String> got = get("h/head", admin);
    HttpResponse<String> head = send(head(state("h/head", admin)));
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(etag(head)).isEqualTo(etag(got)).isEqualTo("\"1\"");
    assertThat(head.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(head.headers().firstValue("Content-Length"))
        .hasValue(String.valueOf(got.body().length()));
    assertThat(send(head(state("h/head", admin)).header("If-None-Match", "\"1\"")).statusCode())
        .isEqualTo(304);
    HttpResponse<String> absent = send(head(state("h/head-absent", admin)));
    assertThat(absent.statusCode()).isEqualTo(404);
    assertThat(absent.body()).isEmpty();
    HttpResponse<String> list =
        send(head(to("/v1/state?pattern=h/head").header("Authorization", "Bearer " + admin)));
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.body()).isEmpty();
  }

  private static HttpRequest.Builder head(HttpRequest.Builder request) {
    return request.method("HEAD", HttpRequest.BodyPublishers.noBody());
  }

  @Test
  void theEmptyKeyIsAnInvalidKeyNotAListWithoutPattern() {
    HttpResponse<String> empty = get("", admin);
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(errorCode(empty)).isEqualTo("invalid_key");
  }

  @Test
  void badBodiesAndKeysAreRefusedWithoutChangingState() {
    put("h/bad", admin, "\"orig\"");
    assertThat(put("h/bad", admin, "{not json").statusCode()).isEqualTo(400);
    assertThat(put("h/bad", admin, "").statusCode()).isEqualTo(400);
    HttpResponse<String> big = put("h/bad", admin, "\"" + "x".repeat(2000) + "\"");
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(errorCode(big)).isEqualTo("too_large");
    assertThat(put("h/bad", admin, "1", "If-Match", "seven").statusCode()).isEqualTo(400);
    // one tag per version: a sign, a leading zero or a list is no tag of version 1
    for (String tag : List.of("\"+1\"", "\"01\"", "\"1\", \"2\"", "\"0\"", "\"\"")) {
      assertThat(put("h/bad", admin, "1", "If-Match", tag).statusCode()).as(tag).isEqualTo(400);
    }
    assertThat(put("h/bad", admin, "{\"n\":1e400}").statusCode()).isEqualTo(400);
    assertThat(get("h/bad", admin).body()).isEqualTo("\"orig\"");
    assertThat(etag(get("h/bad", admin))).isEqualTo("\"1\"");
    HttpResponse<String> badKey = put("h//x", admin, "1");
    assertThat(badKey.statusCode()).isEqualTo(400);
    assertThat(errorCode(badKey)).isEqualTo("invalid_key");
    assertThat(get("h/%2B", admin).statusCode()).isEqualTo(400);
  }

  @Test
  void percentEncodedKeysAreDecoded(Vertx vertx) {
    assertThat(put("h/with%20space", admin, "1").statusCode()).isEqualTo(200);
    try (SyncClient c = SyncClient.connect(vertx, server.port(), admin)) {
      assertThat(c.call("get", "key", "h/with space").getInteger("value")).isEqualTo(1);
    }
  }

  @Test
  void aKeyWhosePercentEncodedBytesAreNotUtf8IsInvalidKeyNotAReplacementCharacter(Vertx vertx) {
    // %ff, an overlong '/', an encoded surrogate, a sequence cut short: none is UTF-8; each used
    // to become U+FFFD, so that "a%ffb" and "a%EF%BF%BDb" named one key
    for (String key : List.of("h8/a%ffb", "h8/a%C0%AFb", "h8/a%ED%A0%80b", "h8/a%E2%82")) {
      HttpResponse<String> r = put(key, admin, "1");
      assertThat(r.statusCode()).as("PUT %s: %s", key, r.body()).isEqualTo(400);
      assertThat(errorCode(r)).as("PUT %s", key).isEqualTo("invalid_key");
      assertThat(errorCode(get(key, admin))).as("GET %s", key).isEqualTo("invalid_key");
    }
    // UTF-8 escapes still name their characters, U+FFFD itself included
    assertThat(put("h8/%E2%82%AC", admin, "1").statusCode()).isEqualTo(200);
    assertThat(put("h8/a%EF%BF%BDb", admin, "2").statusCode()).isEqualTo(200);
    // bytes sent unescaped (not valid in a URI, but sent) are read the same way, not one per char
    assertThat(rawGet("/v1/state/h8/\u20ac".getBytes(StandardCharsets.UTF_8)))
        .startsWith("HTTP/1.1 200")
        .endsWith("1");
    String stray =
        rawGet(new byte[] {'/', 'v', '1', '/', 's', 't', 'a', 't', 'e', '/', 'h', (byte) 0xff});
    assertThat(stray).startsWith("HTTP/1.1 400").contains("invalid_key");
    try (SyncClient c = SyncClient.connect(vertx, server.port(), admin)) {
      assertThat(c.call("list", "pattern", "h8/#").getJsonArray("entries"))
          .extracting(e -> ((JsonObject) e).getString("key"))
          .containsExactly("h8/a\ufffdb", "h8/\u20ac");
    }
  }

  // ---- PATCH ----

  @Test
  void patchTakesMergePatchAndAnswersTheMergedValue() {
    put("h/p", admin, "{\"a\":1,\"b\":{\"c\":2,\"d\":3}}");
    HttpResponse<String> r = patch("h/p", MERGE_PATCH, "{\"a\":null,\"b\":{\"d\":4},\"e\":5}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(etag(r)).isEqualTo("\"2\"");
    JsonObject body = new JsonObject(r.body());
    JsonObject merged =
        new JsonObject().put("b", new JsonObject().put("c", 2).put("d", 4)).put("e", 5);
    assertThat(body.getLong("version")).isEqualTo(2);
    assertThat(body.getJsonObject("value")).isEqualTo(merged);
    assertThat(new JsonObject(get("h/p", admin).body())).isEqualTo(merged);
  }

  @Test
  void patchOfAbsentKeyAppliesToEmptyObject() {
    HttpResponse<String> r =
        patch("h/p-new", MERGE_PATCH + "; charset=utf-8", "{\"x\":1,\"y\":null}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getJsonObject("value"))
        .isEqualTo(new JsonObject().put("x", 1));
  }

  @Test
  void patchWithAnotherContentTypeIs415AndChangesNothing() {
    put("h/p-type", admin, "{\"a\":1}");
    HttpResponse<String> r = patch("h/p-type", "application/json", "{\"a\":2}");
    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(get("h/p-type", admin).body()).isEqualTo("{\"a\":1}");
  }

  @Test
  void patchHonoursIfMatch() {
    put("h/p-cas", admin, "{}");
    assertThat(patch("h/p-cas", MERGE_PATCH, "{\"a\":1}", "If-Match", "\"9\"").statusCode())
        .isEqualTo(412);
    assertThat(patch("h/p-cas", MERGE_PATCH, "{\"a\":1}", "If-Match", "\"1\"").statusCode())
        .isEqualTo(200);
  }

  // ---- DELETE ----

  @Test
  void deleteAnswersDeletionVersionAnd404WhenAbsent() {
    put("h/d", admin, "1");
    HttpResponse<String> stale = delete("h/d", "If-Match", "\"3\"");
    assertThat(stale.statusCode()).isEqualTo(412);
    HttpResponse<String> r = delete("h/d", "If-Match", "\"1\"");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(etag(r)).isEqualTo("\"2\"");
    assertThat(new JsonObject(r.body()).getLong("version")).isEqualTo(2);
    assertThat(get("h/d", admin).statusCode()).isEqualTo(404);
    assertThat(delete("h/d").statusCode()).isEqualTo(404);
    assertThat(etag(put("h/d", admin, "2"))).isEqualTo("\"3\"");
  }

  @Test
  void otherMethodsAre405() {
    HttpResponse<String> r =
        send(state("h/m", admin).POST(HttpRequest.BodyPublishers.ofString("1")));
    assertThat(r.statusCode()).isEqualTo(405);
    // even on a key the caller may not write
    String device = server.token("pi-405", "device");
    HttpResponse<String> notMine =
        send(state("config/x", device).POST(HttpRequest.BodyPublishers.ofString("1")));
    assertThat(notMine.statusCode()).isEqualTo(405);
    assertThat(notMine.headers().firstValue("Allow")).hasValue("GET, HEAD, PUT, PATCH, DELETE");
  }

  @Test
  void writingToTheListPathIs405NotAServerError() {
    for (String method : List.of("PUT", "DELETE", "PATCH")) {
      HttpResponse<String> r =
          send(
              to("/v1/state")
                  .header("Authorization", "Bearer " + admin)
                  .method(method, HttpRequest.BodyPublishers.ofString("1")));
      assertThat(r.statusCode()).as(method).isEqualTo(405);
      assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
      assertThat(errorCode(r)).isEqualTo("bad_request");
    }
  }

  @Test
  void failuresOutsideTheRoutesAnswerTheErrorObjectToo() {
    HttpResponse<String> noRoute = send(to("/nope").GET());
    assertThat(noRoute.statusCode()).isEqualTo(404);
    assertThat(noRoute.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(errorCode(noRoute)).isEqualTo("not_found");
    HttpResponse<String> wrongMethod = send(to("/v1/auth/token").GET());
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
    assertThat(errorCode(wrongMethod)).isEqualTo("bad_request");
    // java.net.URI refuses to send this path: write it on a socket
    String badEncoding = rawGet("/v1/state/%zz");
    assertThat(badEncoding).startsWith("HTTP/1.1 400");
    String body = badEncoding.substring(badEncoding.indexOf("\r\n\r\n") + 4);
    assertThat(new JsonObject(body).getJsonObject("error").getString("code"))
        .isIn("bad_request", "invalid_key");
  }

  private static String rawGet(String path) {
    return rawGet(path.getBytes(StandardCharsets.US_ASCII));
  }

  /** A GET whose path is sent as these bytes, unchecked (the HTTP client would escape them). */
  private static String rawGet(byte[] path) {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(20_000);
      java.io.OutputStream out = socket.getOutputStream();
      out.write("GET ".getBytes(StandardCharsets.US_ASCII));
      out.write(path);
      out.write(
          (" HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                  + admin
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      return new String(
          socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aBodyNestedDeeperThanAWebSocketRequestMayIsABadRequest() {
    String deep = "[".repeat(64) + "]".repeat(64);
    HttpResponse<String> r = put("h/deep", admin, deep);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(errorCode(r)).isEqualTo("bad_request");
    assertThat(put("h/deep", admin, "[".repeat(63) + "]".repeat(63)).statusCode()).isEqualTo(200);
  }

  // ---- identity and access ----

  @Test
  void missingOrBadTokenIs401() {
    HttpResponse<String> none = get("h/k", null);
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(errorCode(none)).isEqualTo("unauthorized");
    assertThat(get("h/k", "garbage").statusCode()).isEqualTo(401);
    assertThat(put("h/k", "a.b.c", "1").statusCode()).isEqualTo(401);
    assertThat(send(to("/v1/state?pattern=%23").GET()).statusCode()).isEqualTo(401);
  }

  @Test
  void accessOutsideTheRulesIs403() {
    String device = server.token("pi-http", "device");
    put("devices/other/x", admin, "1");
    assertThat(get("devices/other/x", device).statusCode()).isEqualTo(403);
    assertThat(put("devices/other/x", device, "2").statusCode()).isEqualTo(403);
    assertThat(put("config/x", device, "2").statusCode()).isEqualTo(403);
    assertThat(send(state("devices/other/x", device).DELETE()).statusCode()).isEqualTo(403);
    assertThat(put("$sys/clients/x", admin, "1").statusCode()).isEqualTo(403);
    assertThat(get("devices/other/x", admin).body()).isEqualTo("1");
    assertThat(put("devices/pi-http/x", device, "1").statusCode()).isEqualTo(200);
    assertThat(get("devices/pi-http/x", device).statusCode()).isEqualTo(200);
    HttpResponse<String> list =
        send(
            to("/v1/state?pattern=" + enc("devices/#"))
                .header("Authorization", "Bearer " + device)
                .GET());
    assertThat(list.statusCode()).isEqualTo(403);
  }

  @Test
  void httpWritesReachWebSocketSubscribersAsChangesByTheWriter(Vertx vertx) {
    try (SyncClient s = SyncClient.connect(vertx, server.port(), admin)) {
      s.call("sub", "pattern", "h/live/#");
      String writer = server.token("http-writer", "admin");
      put("h/live/k", writer, "{\"n\":1}");
      JsonObject change = s.change("h/live/k", 1);
      assertThat(change.getJsonObject("value")).isEqualTo(new JsonObject().put("n", 1));
      assertThat(change.getString("by")).isEqualTo("http-writer");
    }
  }

  // ---- list ----

  @Test
  void listPagesInKeyOrder() {
    for (int i = 0; i < 5; i++) {
      put("hl/k" + i, admin, String.valueOf(i));
    }
    put("hl/k9/deep", admin, "9");
    List<String> keys = new ArrayList<>();
    String after = null;
    int pages = 0;
    do {
      String query =
          "/v1/state?pattern="
              + enc("hl/+")
              + "&limit=2"
              + (after == null ? "" : "&after=" + enc(after));
      HttpResponse<String> r = send(to(query).header("Authorization", "Bearer " + admin).GET());
      assertThat(r.statusCode()).isEqualTo(200);
      JsonObject body = new JsonObject(r.body());
      body.getJsonArray("entries").forEach(e -> keys.add(((JsonObject) e).getString("key")));
      after = body.getString("next");
      pages++;
    } while (after != null && pages < 10);
    assertThat(keys).containsExactly("hl/k0", "hl/k1", "hl/k2", "hl/k3", "hl/k4");
    assertThat(pages).isEqualTo(3);

    HttpResponse<String> all =
        send(
            to("/v1/state?pattern=" + enc("hl/#"))
                .header("Authorization", "Bearer " + admin)
                .GET());
    JsonObject first = new JsonObject(all.body()).getJsonArray("entries").getJsonObject(0);
    assertThat(first)
        .isEqualTo(new JsonObject().put("key", "hl/k0").put("value", 0).put("version", 1));
    assertThat(new JsonObject(all.body()).getJsonArray("entries")).hasSize(6);
  }

  @Test
  void aPlusInTheQueryIsTheWildcardAndEmptyParametersAreAbsent() {
    for (int i = 0; i < 3; i++) {
      put("hp/k" + i, admin, String.valueOf(i));
    }
    // typed by hand, as curl or a shell script sends it: "+" not percent-encoded
    HttpResponse<String> r =
        send(
            to("/v1/state?pattern=hp/+&limit=&after=")
                .header("Authorization", "Bearer " + admin)
                .GET());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(r.body()).getJsonArray("entries"))
        .extracting(e -> ((JsonObject) e).getString("key"))
        .containsExactly("hp/k0", "hp/k1", "hp/k2");
  }

  @Test
  void aPlusThatIsNotAWholePatternSegmentIsASpaceAsQueryEncodersSendIt() {
    put("hq/a%20b", admin, "1");
    put("hq/c", admin, "2");
    String auth = "Bearer " + admin;
    HttpResponse<String> after =
        send(to("/v1/state?pattern=hq/%23&after=hq/a+b").header("Authorization", auth).GET());
    assertThat(after.statusCode()).as(after.body()).isEqualTo(200);
    assertThat(new JsonObject(after.body()).getJsonArray("entries"))
        .extracting(e -> ((JsonObject) e).getString("key"))
        .containsExactly("hq/c");
    HttpResponse<String> exact =
        send(to("/v1/state?pattern=hq/a+b").header("Authorization", auth).GET());
    assertThat(exact.statusCode()).as(exact.body()).isEqualTo(200);
    assertThat(new JsonObject(exact.body()).getJsonArray("entries"))
        .extracting(e -> ((JsonObject) e).getString("key"))
        .containsExactly("hq/a b");
  }

  @Test
  void aQueryThatIsNotValidlyPercentEncodedIsABadRequest() {
    String reply = rawGet("/v1/state?pattern=%zz");
    assertThat(reply).startsWith("HTTP/1.1 400");
    String body = reply.substring(reply.indexOf("\r\n\r\n") + 4);
    assertThat(new JsonObject(body).getJsonObject("error").getString("code"))
        .isEqualTo("bad_request");
  }

  @Test
  void queryParametersWhoseBytesAreNotUtf8AreRefusedWithTheCodeOfTheirParameter() {
    String auth = "Bearer " + admin;
    put("hu/%EF%BF%BD", admin, "1");
    String[][] cases = {
      {"pattern=hu/%ff", "invalid_pattern"},
      {"pattern=hu/%23&after=hu/%ff", "invalid_key"},
      {"pattern=hu/%23&limit=1%ff", "bad_request"},
    };
    for (String[] c : cases) {
      HttpResponse<String> r = send(to("/v1/state?" + c[0]).header("Authorization", auth).GET());
      assertThat(r.statusCode()).as("%s: %s", c[0], r.body()).isEqualTo(400);
      assertThat(errorCode(r)).as(c[0]).isEqualTo(c[1]);
    }
    // the same character escaped as UTF-8 is read as ever
    HttpResponse<String> ok =
        send(to("/v1/state?pattern=hu/%EF%BF%BD").header("Authorization", auth).GET());
    assertThat(new JsonObject(ok.body()).getJsonArray("entries")).hasSize(1);
  }

  @Test
  void aBodySentAsAFormIsReadAsJson() {
    // curl -d sends application/x-www-form-urlencoded unless told otherwise
    String value = "{\"battery\":\"50%\",\"note\":\"a+b=c&d\"}";
    HttpResponse<String> r =
        send(
            state("h/form", admin)
                .PUT(HttpRequest.BodyPublishers.ofString(value))
                .header("Content-Type", "application/x-www-form-urlencoded"));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(new JsonObject(get("h/form", admin).body())).isEqualTo(new JsonObject(value));
  }

  @Test
  void aBodyOverTheLimitIs413WithTheErrorObject() {
    // over the body limit (twice maxValueBytes plus 1 KiB), not only over maxValueBytes
    HttpResponse<String> r = put("h/huge", admin, "\"" + "x".repeat(8_000) + "\"");
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(errorCode(r)).isEqualTo("too_large");
    assertThat(get("h/huge", admin).statusCode()).isEqualTo(404);
  }

  @Test
  void listWithoutOrWithBadPatternOrLimitIs400() {
    String auth = "Bearer " + admin;
    assertThat(send(to("/v1/state").header("Authorization", auth).GET()).statusCode())
        .isEqualTo(400);
    HttpResponse<String> bad =
        send(to("/v1/state?pattern=" + enc("a/#/b")).header("Authorization", auth).GET());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(errorCode(bad)).isEqualTo("invalid_pattern");
    assertThat(
            send(to("/v1/state?pattern=" + enc("#") + "&limit=0")
                    .header("Authorization", auth)
                    .GET())
                .statusCode())
        .isEqualTo(400);
  }

  // ---- health and metrics ----

  @Test
  void healthEndpointsAnswer200WhenUsable() {
    assertThat(send(to("/health/live").GET()).statusCode()).isEqualTo(200);
    HttpResponse<String> ready = send(to("/health/ready").GET());
    assertThat(ready.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(ready.body()).getString("status")).isEqualTo("UP");
  }

  @Test
  void metricsArePrometheusTextWithStateAndHttpMetersAndNoEventBusMeters(Vertx vertx) {
    put("h/metric", admin, "1");
    try (SyncClient c = SyncClient.connect(vertx, server.port(), admin)) {
      c.call("ping");
    }
    HttpResponse<String> r = send(to("/metrics").GET());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    assertThat(r.body())
        .contains(
            "# TYPE state_",
            "state_connections",
            "state_requests",
            "state_db_retries_total{path=\"read\"}",
            "state_catchup_deliveries_total",
            "vertx_http_server_");
    // switched off: a meter-registry lookup per event-bus message (docs/metrics.md)
    assertThat(r.body()).doesNotContain("vertx_eventbus_");
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
