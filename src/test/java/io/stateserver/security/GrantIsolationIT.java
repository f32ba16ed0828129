package io.stateserver.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.SharedServer;
import io.stateserver.support.SyncClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Zero changes outside a client's grants are ever delivered (issue 3, item 4), with the default
 * rules: a device reads {@code config/#} and {@code devices/<id>/#}. Devices subscribed to all they
 * may read watch an admin write keys inside and outside their grants, including keys that only look
 * alike (case, Unicode look-alikes of the id, ids that are prefixes of other ids, percent-encoded
 * slashes over HTTP). Widening subscriptions are forbidden, and HTTP reads outside are 403.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class GrantIsolationIT {
  private static final Logger log = LoggerFactory.getLogger(GrantIsolationIT.class);
  private static final String ID = "dev-7";

  /** Other devices: a prefix of the id, the id as a prefix, and look-alikes. */
  private static final List<String> OTHER_IDS =
      List.of(
          "dev",
          "dev-77",
          "dev-7x",
          "DEV-7",
          "Dev-7",
          "d\u0435v-7",
          "dev\u20107",
          "\uFF44ev-7",
          "dev-7\u200B",
          "dev-7 ",
          " dev-7",
          "dev-\u0667",
          "de\u0301v-7",
          "dev_7",
          "dev%2D7");

  @RegisterExtension static final SharedServer server = new SharedServer();
  private static final HttpClient http = HttpClient.newHttpClient();

  /** The grants, written straight from PROTOCOL.md section 6, as the oracle. */
  static boolean granted(String deviceId, String key) {
    return key.equals("config")
        || key.startsWith("config/")
        || key.equals("devices/" + deviceId)
        || key.startsWith("devices/" + deviceId + "/");
  }

  private static List<String> insideKeys(String id) {
    return List.of(
        "config",
        "config/a",
        "config/b/c",
        "devices/" + id,
        "devices/" + id + "/x",
        "devices/" + id + "/a/b/c");
  }

  private static List<String> outsideKeys(String id) {
    List<String> keys = new ArrayList<>();
    keys.addAll(
        List.of(
            "Config/a",
            "CONFIG/a",
            "configx/a",
            "conf/ig",
            "devices",
            "Devices/" + id + "/x",
            "devices/" + id.toUpperCase() + "/x",
            "devices/" + id + "x/y",
            "devicesx/" + id + "/y",
            "device/" + id + "/x",
            "x/devices/" + id + "/y",
            "x/config/a",
            "devices%2F" + id + "%2Fy",
            "devices\u2215" + id + "\u2215y",
            "devices\uFF0F" + id + "/y"));
    for (String other : OTHER_IDS) {
      if (!other.equals(id)) {
        keys.add("devices/" + other);
        keys.add("devices/" + other + "/x");
        keys.add("devices/" + other + "/a/b");
      }
    }
    return keys;
  }

  @Test
  void devicesReceiveNoChangeOutsideTheirGrants(Vertx vertx) throws Exception {
    List<String> devices = List.of(ID, "dev", "dev-77");
    Map<String, SyncClient> clients = new HashMap<>();
    try (SyncClient admin = SyncClient.connect(vertx, server.port(), server.adminToken())) {
      for (String d : devices) {
        SyncClient c = SyncClient.connect(vertx, server.port(), server.token(d, "device"));
        clients.put(d, c);
        assertThat(c.call("sub", "pattern", "config/#").getBoolean("ok")).isTrue();
        assertThat(c.call("sub", "pattern", "devices/" + d + "/#").getBoolean("ok")).isTrue();
      }
      List<String> all = new ArrayList<>();
      for (String d : devices) {
        all.addAll(insideKeys(d));
        all.addAll(outsideKeys(d));
      }
      all = new ArrayList<>(new java.util.LinkedHashSet<>(all));
      Map<String, Long> last = new HashMap<>();
      int writes = 0;
      for (int round = 0; round < 10; round++) {
        List<Long> ids = new ArrayList<>();
        List<String> written = new ArrayList<>();
        for (String key : all) {
          JsonObject req =
              round % 3 == 2
                  ? SyncClient.request(
                      "patch", "key", key, "patch", new JsonObject().put("r", round))
                  : SyncClient.request(
                      "set", "key", key, "value", new JsonObject().put("r", round));
          ids.add(admin.send(req));
          written.add(key);
        }
        for (int i = 0; i < ids.size(); i++) {
          JsonObject reply = admin.reply(ids.get(i));
          assertThat(reply.getBoolean("ok")).as("admin write %s", written.get(i)).isTrue();
          last.put(written.get(i), reply.getLong("version"));
          writes++;
        }
      }
      // deletions are changes too
      for (String key : all) {
        JsonObject reply = admin.call("delete", "key", key);
        last.put(key, reply.getLong("version"));
        writes++;
      }
      // over HTTP, with percent-encoded slashes: decoded to a key inside or outside the grants
      for (String d : devices) {
        for (String path :
            List.of(
                "devices%2F" + d + "%2Fhttp",
                "devices%2F" + d + "x%2Fhttp",
                "Devices%2F" + d + "%2Fhttp",
                "devices/" + d + "%2F..%2F" + d + "7%2Fhttp")) {
          int status = httpPut(path, server.adminToken());
          assertThat(status).as("admin PUT %s", path).isEqualTo(200);
          writes++;
        }
      }
      // a marker per device, written last: once it arrives, everything before it has
      for (String d : devices) {
        String marker = "devices/" + d + "/zz-marker";
        last.put(marker, admin.call("set", "key", marker, "value", 1).getLong("version"));
      }

      long outside = 0;
      long inside = 0;
      for (String d : devices) {
        SyncClient c = clients.get(d);
        c.change("devices/" + d + "/zz-marker", last.get("devices/" + d + "/zz-marker"));
        for (JsonObject change : c.frames(f -> "change".equals(f.getString("type")))) {
          if (granted(d, change.getString("key"))) {
            inside++;
          } else {
            outside++;
            log.error("delivered outside the grants [device: {}, change: {}]", d, change);
          }
        }
        // and everything inside did arrive, to its newest version
        for (String key : insideKeys(d)) {
          assertThat(c.change(key, last.get(key)).getLong("version")).isEqualTo(last.get(key));
        }
        assertThat(c.change("devices/" + d + "/http", 1).getString("key"))
            .isEqualTo("devices/" + d + "/http");
      }
      log.info(
          "grant isolation [admin writes: {}, delivered inside: {}, delivered outside: {}]",
          writes,
          inside,
          outside);
      assertThat(outside).as("changes delivered outside the grants").isZero();
      assertThat(inside).isPositive();
    } finally {
      clients.values().forEach(SyncClient::close);
    }
  }

  @Test
  void subscriptionsAndListsThatWouldWidenAccessAreForbidden(Vertx vertx) {
    List<String> widening =
        List.of(
            "#",
            "+",
            "+/#",
            "+/" + ID + "/#",
            "devices/+/#",
            "devices/#",
            "devices/+",
            "devices/+/x",
            "devices",
            "+/+/+",
            "$sys/#",
            "Devices/" + ID + "/#",
            "devices/" + ID.toUpperCase() + "/#",
            "devices/" + ID + "x/#",
            "devices/dev-77/#",
            "devices/dev/#",
            "devices/d\u0435v-7/#");
    try (SyncClient device = SyncClient.connect(vertx, server.port(), server.token(ID, "device"))) {
      for (String pattern : widening) {
        assertThat(code(device.call("sub", "pattern", pattern)))
            .as("sub %s", pattern)
            .isEqualTo("forbidden");
        assertThat(code(device.call("list", "pattern", pattern)))
            .as("list %s", pattern)
            .isEqualTo("forbidden");
      }
      for (String key : outsideKeys(ID)) {
        assertThat(code(device.call("get", "key", key))).as("get %s", key).isEqualTo("forbidden");
      }
      // what it may follow it still may
      assertThat(device.call("sub", "pattern", "devices/" + ID + "/+").getBoolean("ok")).isTrue();
      assertThat(device.call("sub", "pattern", "config/+/c").getBoolean("ok")).isTrue();
    }
  }

  @Test
  void httpReadsOutsideTheGrantsAre403WhateverTheEncoding(Vertx vertx) throws Exception {
    try (SyncClient admin = SyncClient.connect(vertx, server.port(), server.adminToken())) {
      admin.call("set", "key", "devices/dev-77/secret", "value", "other device's secret");
      admin.call("set", "key", "devices/" + ID + "/mine", "value", "mine");
    }
    String token = server.token(ID, "device");
    for (String key : outsideKeys(ID)) {
      assertThat(httpGet("/v1/state/" + encodeSegments(key), token).statusCode())
          .as("GET %s", key)
          .isEqualTo(403);
    }
    for (String path :
        List.of(
            "/v1/state/devices%2Fdev-77%2Fsecret",
            "/v1/state/devices%2fdev-77%2fsecret",
            "/v1/state/devices/dev-77%2Fsecret",
            "/v1/state/Devices/" + ID + "/mine",
            "/v1/state/devices/DEV-7/mine",
            "/v1/state/devices/d%D0%B5v-7/mine",
            "/v1/state/devices%252F" + ID + "%252Fmine",
            "/v1/state?pattern=%23",
            "/v1/state?pattern=devices%2F%2B%2F%23",
            "/v1/state?pattern=devices%2F%23",
            "/v1/state?pattern=%2B%2F" + ID + "%2F%23")) {
      HttpResponse<String> r = httpGet(path, token);
      assertThat(r.statusCode()).as("GET %s", path).isEqualTo(403);
      assertThat(r.body()).doesNotContain("secret\"").doesNotContain("mine\"");
    }
    // dot segments are literal parts of a key, never a way out of the grants
    for (String path :
        List.of(
            "/v1/state/devices/" + ID + "/..%2Fdev-77%2Fsecret",
            "/v1/state/devices/" + ID + "%2F..%2F..%2Fdevices%2Fdev-77%2Fsecret")) {
      HttpResponse<String> r = httpGet(path, token);
      assertThat(r.statusCode()).as("GET %s", path).isIn(403, 404);
      assertThat(r.body()).doesNotContain("other device");
    }
    // the device's own key, also percent-encoded, is readable
    assertThat(httpGet("/v1/state/devices%2F" + ID + "%2Fmine", token).statusCode()).isEqualTo(200);
  }

  private static String code(JsonObject reply) {
    return reply.getBoolean("ok") ? "ok" : reply.getJsonObject("error").getString("code");
  }

  private static String encodeSegments(String key) {
    List<String> parts = new ArrayList<>();
    for (String s : key.split("/", -1)) {
      parts.add(URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return String.join("/", parts);
  }

  private static HttpResponse<String> httpGet(String path, String token) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .header("Authorization", "Bearer " + token)
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static int httpPut(String path, String token) throws Exception {
    return http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/v1/state/" + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"via\":\"http\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }
}
