package io.stateserver.connection;

import io.stateserver.config.ConfigException;
import io.stateserver.config.ServerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * HTTPS / WSS from PEM files. Server Name Indication stays off: the server has one certificate, and
 * Vert.x cores before {@value #SNI_FIXED_CORE} keep an unbounded cache of SSL contexts per SNI name
 * that any client can grow (CVE-2026-6860, GHSA-3g76-f9xq-8vp6). The build bans those cores
 * (maven-enforcer-plugin in pom.xml); {@link #refuseVulnerableSni} is the same rule at run time,
 * for a build that got around it.
 */
public final class ServerTls {
  static final String SNI_FIXED_CORE = "5.0.12";
  private static final String VERSION_RESOURCE = "META-INF/vertx/vertx-version.txt";

  private ServerTls() {}

  /**
   * Checks the configured PEM files once at start-up (blocking file reads), so that a wrong path is
   * a clear configuration error rather than a failed listen.
   */
  public static void check(ServerConfig.Http http) {
    if (!http.tlsEnabled()) {
      return;
    }
    requirePem(http.tls().certFile(), "http.tls.certFile (STATE_TLS_CERT)", "CERTIFICATE");
    requirePem(http.tls().keyFile(), "http.tls.keyFile (STATE_TLS_KEY)", "PRIVATE KEY");
  }

  private static void requirePem(Path file, String setting, String kind) {
    try {
      String text = Files.readString(file, StandardCharsets.US_ASCII);
      if (!text.contains("-----BEGIN ") || !text.contains(kind + "-----")) {
        throw new ConfigException(
            "setting " + setting + ": " + file + " holds no PEM " + kind + " block");
      }
    } catch (IOException e) {
      throw new ConfigException("setting " + setting + ": cannot read " + file + ": " + e, e);
    }
  }

  /**
   * Loads the configured key and certificate as the server will (blocking: on a worker thread), so
   * that PEM files whose blocks hold no usable key or certificate are a configuration error naming
   * the settings, not a failed listen with a stack trace. {@link #check} has looked at the files'
   * headers already, before a clustered node spent time joining.
   */
  public static void load(Vertx vertx, ServerConfig.Http http) {
    if (!http.tlsEnabled()) {
      return;
    }
    try {
      keyCert(http).getKeyManagerFactory(vertx);
    } catch (Exception e) {
      throw new ConfigException(
          "settings http.tls.certFile and http.tls.keyFile (STATE_TLS_CERT, STATE_TLS_KEY): "
              + http.tls().certFile()
              + " and "
              + http.tls().keyFile()
              + " hold no usable certificate and key: "
              + e.getMessage(),
          e);
    }
  }

  private static PemKeyCertOptions keyCert(ServerConfig.Http http) {
    return new PemKeyCertOptions()
        .setCertPath(http.tls().certFile().toString())
        .setKeyPath(http.tls().keyFile().toString());
  }

  /** Turns TLS on in {@code options} when configured; never turns SNI on. */
  static HttpServerOptions apply(HttpServerOptions options, ServerConfig.Http http) {
    if (http.tlsEnabled()) {
      options.setSsl(true).setSni(false).setKeyCertOptions(keyCert(http));
    }
    if (options.isSsl() && options.isSni()) {
      // Only then is the core version needed (a classpath read, so not on every start).
      refuseVulnerableSni(options, coreVersion());
    }
    return options;
  }

  /** Fails when options would serve TLS with SNI on a Vert.x core that has CVE-2026-6860. */
  static void refuseVulnerableSni(HttpServerOptions options, String coreVersion) {
    if (options.isSsl() && options.isSni() && isBefore(coreVersion, SNI_FIXED_CORE)) {
      throw new ConfigException(
          "TLS with SNI on vertx-core "
              + coreVersion
              + " is vulnerable to CVE-2026-6860; SNI needs vertx-core "
              + SNI_FIXED_CORE
              + " or later");
    }
  }

  /** The version of the vertx-core on the class path, or "unknown". */
  static String coreVersion() {
    try (InputStream in =
        HttpServerOptions.class.getClassLoader().getResourceAsStream(VERSION_RESOURCE)) {
      return in == null ? "unknown" : new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Numeric comparison of dotted versions; an unreadable version counts as too old. */
  static boolean isBefore(String version, String minimum) {
    String[] have = version.split("[.-]");
    String[] need = minimum.split("\\.");
    for (int i = 0; i < need.length; i++) {
      int h;
      try {
        h = i < have.length ? Integer.parseInt(have[i]) : 0;
      } catch (NumberFormatException e) {
        return true;
      }
      int n = Integer.parseInt(need[i]);
      if (h != n) {
        return h < n;
      }
    }
    return false;
  }
}
