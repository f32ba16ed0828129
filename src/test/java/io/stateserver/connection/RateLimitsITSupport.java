package io.stateserver.connection;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the {@code state_rate_limited} counters of a node from {@code /metrics}. */
final class RateLimitsITSupport {
  private RateLimitsITSupport() {}

  static String metrics(int port) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  static double rejections(int port, String kind) throws Exception {
    Matcher m =
        Pattern.compile(
                "^state_rate_limited_total\\{kind=\"" + kind + "\",?\\}\\s+(\\S+)$",
                Pattern.MULTILINE)
            .matcher(metrics(port));
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
