package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.SharedServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Nothing a client sends, without a token, becomes a label of {@code /metrics}: each label value
 * makes series that live as long as the node.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class MetricsCardinalityIT {
  // long names, so that a series per name would show in the size at once
  private static final String MADE_UP = "MADEUP" + "X".repeat(200);
  private static final int METHODS = 40;

  // a server of its own: no other test's requests change its meters meanwhile
  @RegisterExtension static final SharedServer server = new SharedServer();

  @Test
  void madeUpMethodsAddNoSeriesToMetricsAndDoNotGrowIt(Vertx vertx, VertxTestContext ctx) {
    HttpClient http = vertx.createHttpClient();
    // The first made-up method and the first scrape (answered 200 once it is taken) make the
    // series every later request adds to.
    send(http, HttpMethod.valueOf(MADE_UP + 0), "/health/live")
        .compose(status -> scrape(http))
        .compose(first -> scrape(http))
        .compose(
            before ->
                Future.all(
                        IntStream.rangeClosed(1, METHODS)
                            .mapToObj(
                                i -> send(http, HttpMethod.valueOf(MADE_UP + i), "/health/live"))
                            .toList())
                    .compose(all -> scrape(http))
                    .map(after -> new String[] {before, after}))
        .onComplete(
            ctx.succeeding(
                scrapes ->
                    ctx.verify(
                        () -> {
                          String before = scrapes[0];
                          String after = scrapes[1];
                          assertThat(after).doesNotContain("MADEUP");
                          assertThat(after)
                              .contains(
                                  "vertx_http_server_requests_total{code=\"405\",method=\"other\"}");
                          // the same series, only their values moved on
                          assertThat(httpSeries(after)).isEqualTo(httpSeries(before));
                          // each series of a 200-character method name would add over 200 bytes
                          assertThat(after.length() - before.length())
                              .as("growth of /metrics after %d made-up methods", METHODS)
                              .isLessThan(2_000);
                          ctx.completeNow();
                        })));
  }

  private static Future<Integer> send(HttpClient http, HttpMethod method, String path) {
    return http.request(
            new RequestOptions()
                .setMethod(method)
                .setHost("127.0.0.1")
                .setPort(server.port())
                .setURI(path))
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> response.statusCode()));
  }

  private static Future<String> scrape(HttpClient http) {
    return http.request(HttpMethod.GET, server.port(), "127.0.0.1", "/metrics")
        .compose(request -> request.send())
        .compose(HttpClientResponse::body)
        .map(Buffer::toString);
  }

  /** The series of Vert.x's HTTP server meters: each line's name and labels, without its value. */
  private static Set<String> httpSeries(String scrape) {
    return scrape
        .lines()
        .filter(line -> line.startsWith("vertx_http_server_"))
        .map(line -> line.substring(0, line.lastIndexOf(' ')))
        .collect(Collectors.toSet());
  }
}
