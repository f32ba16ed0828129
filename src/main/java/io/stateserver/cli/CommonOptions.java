package io.stateserver.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Options every client tool takes: {@code --url} (env {@code STATE_URL}), {@code --token} (env
 * {@code STATE_TOKEN}) and {@code --timeout-ms}.
 */
record CommonOptions(URI url, String token, Duration timeout) {

  static final String DEFAULT_URL = "ws://127.0.0.1:8080/v1/ws";
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  static final Set<String> VALUE_OPTIONS = Set.of("url", "token", "timeout-ms");
  static final String USAGE =
      "common options: --url <ws url> (env STATE_URL, default "
          + DEFAULT_URL
          + "), --token <jwt> (env STATE_TOKEN), --timeout-ms <n> (default "
          + DEFAULT_TIMEOUT.toMillis()
          + ")";

  static CommonOptions from(CliArgs args, Map<String, String> env) throws UsageException {
    String url = firstNonBlank(args.value("url"), env.get("STATE_URL"), DEFAULT_URL);
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new UsageException("--url is not a valid URL: " + url);
    }
    if (!"ws".equalsIgnoreCase(uri.getScheme()) && !"wss".equalsIgnoreCase(uri.getScheme())
        || uri.getHost() == null) {
      throw new UsageException("--url must look like ws://host:port/v1/ws, got " + url);
    }
    Long timeoutMs = args.longValue("timeout-ms", 1);
    return new CommonOptions(
        uri,
        firstNonBlank(args.value("token"), env.get("STATE_TOKEN"), null),
        timeoutMs == null ? DEFAULT_TIMEOUT : Duration.ofMillis(timeoutMs));
  }

  private static String firstNonBlank(String first, String second, String fallback) {
    if (first != null && !first.isBlank()) {
      return first;
    }
    if (second != null && !second.isBlank()) {
      return second;
    }
    return fallback;
  }
}
