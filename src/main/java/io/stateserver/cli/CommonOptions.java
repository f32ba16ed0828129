package io.stateserver.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Options every client tool takes: {@code --url} (env {@code STATE_URL}), {@code --token} (env
 * {@code STATE_TOKEN}) and {@code --timeout-ms}. {@code urlOption} and {@code tokenOption} say
 * where the URL and the token came from ({@code to-url}, {@code --to-token or STATE_TO_TOKEN}), so
 * that a tool that talks to two servers can say which one refused and what to check.
 */
record CommonOptions(
    URI url, String token, Duration timeout, String urlOption, String tokenOption) {

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
    URI uri =
        webSocketUrl("url", firstNonBlank(args.value("url"), env.get("STATE_URL"), DEFAULT_URL));
    Long timeoutMs = args.longValue("timeout-ms", 1);
    return new CommonOptions(
        uri,
        firstNonBlank(args.value("token"), env.get("STATE_TOKEN"), null),
        timeoutMs == null ? DEFAULT_TIMEOUT : Duration.ofMillis(timeoutMs),
        "url",
        "--token or STATE_TOKEN");
  }

  /**
   * A second server, for the tools that work with two ({@code compare}, {@code mirror}): its URL
   * from {@code --<prefix>-url}, its token from {@code --<prefix>-token} or else the environment
   * variable {@code tokenEnv}, both required (never this one's token: it would be handed to another
   * deployment); the same timeout.
   */
  CommonOptions other(CliArgs args, Map<String, String> env, String prefix, String tokenEnv)
      throws UsageException {
    String url = args.value(prefix + "-url");
    if (url == null || url.isBlank()) {
      throw new UsageException("--" + prefix + "-url is required");
    }
    String otherToken = firstNonBlank(args.value(prefix + "-token"), env.get(tokenEnv), null);
    if (otherToken == null) {
      throw new UsageException("--" + prefix + "-token (or env " + tokenEnv + ") is required");
    }
    return new CommonOptions(
        webSocketUrl(prefix + "-url", url),
        otherToken,
        timeout,
        prefix + "-url",
        "--" + prefix + "-token or " + tokenEnv);
  }

  /** Connects to this server; a refused token names the option to check. */
  WireClient connect() throws WireException {
    return WireClient.connect(url, token, timeout, tokenOption);
  }

  /** The server, as the operator gave it: {@code the target (--to-url ws://...)}. */
  String named(String side) {
    return side + " (--" + urlOption + " " + url + ")";
  }

  private static URI webSocketUrl(String option, String url) throws UsageException {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new UsageException("--" + option + " is not a valid URL: " + url);
    }
    if (!"ws".equalsIgnoreCase(uri.getScheme()) && !"wss".equalsIgnoreCase(uri.getScheme())
        || uri.getHost() == null) {
      throw new UsageException("--" + option + " must look like ws://host:port/v1/ws, got " + url);
    }
    return uri;
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
