package io.stateserver.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import java.util.Set;

/**
 * Keeps the tags of Vert.x's HTTP meters to a fixed set of values. Vert.x tags every {@code
 * vertx_http_server_*} meter with the request's method as the client sent it, and a meter, once
 * made, lives as long as the registry: before this, every made-up method name (answered 405,
 * without a token) added about 11 series to {@code /metrics} for good, so that anyone could grow
 * the node's heap and the scrape without limit.
 */
public final class BoundedHttpTags {
  /** The value of every tag value outside the fixed set. */
  public static final String OTHER = "other";

  /** The methods of RFC 9110 and PATCH (RFC 5789); any other name is {@value #OTHER}. */
  private static final Set<String> METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT");

  private BoundedHttpTags() {}

  /**
   * Adds the filters to {@code registry}: they map the {@code method} tag to itself for the
   * standard methods and to {@value #OTHER} otherwise, and the {@code code} tag to itself for a
   * status code (three digits, 100 to 599) and to {@value #OTHER} otherwise. Status codes are the
   * server's own, so the second is a guard only: nothing a client sends becomes a tag value
   * unchecked. Call it before the first meter is registered: a filter does not change meters made
   * before it.
   */
  public static void apply(MeterRegistry registry) {
    registry
        .config()
        .meterFilter(MeterFilter.replaceTagValues("method", BoundedHttpTags::method))
        .meterFilter(MeterFilter.replaceTagValues("code", BoundedHttpTags::code));
  }

  static String method(String name) {
    return METHODS.contains(name) ? name : OTHER;
  }

  static String code(String status) {
    return status.length() == 3
            && between(status.charAt(0), '1', '5')
            && between(status.charAt(1), '0', '9')
            && between(status.charAt(2), '0', '9')
        ? status
        : OTHER;
  }

  private static boolean between(char c, char low, char high) {
    return c >= low && c <= high;
  }
}
