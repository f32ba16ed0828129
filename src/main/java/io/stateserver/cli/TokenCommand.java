package io.stateserver.cli;

import io.stateserver.config.ConfigException;
import io.stateserver.config.ConfigLoader;
import io.stateserver.config.ServerConfig;
import io.stateserver.protocol.StateException;
import io.stateserver.security.ClientIds;
import io.stateserver.security.TokenIssuer;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar state-server.jar token --sub <id> [--roles a,b] [--ttl <seconds>] [server
 * flags]}: prints an HS256 access token signed with the server's configured secret. Server flags
 * and {@code STATE_*} variables are read exactly as by the server, so the tool finds (or creates)
 * the same data-folder secret.
 */
public final class TokenCommand {
  public static final String NAME = "token";
  public static final int OK = 0;
  public static final int FAILED = 1;
  public static final int USAGE = 2;

  static final long DEFAULT_TTL_SECONDS = 3600;

  private static final String HELP =
      """
      usage: java -jar state-server.jar token --sub <client id> [--roles r1,r2] [--ttl <seconds>]
                                              [server flags, e.g. --data-dir <dir>]
        --sub    the client id (the token's sub claim), required: 1-128 bytes without
                 '/', '+', '#', control characters or a leading '$'
        --roles  comma-separated roles, e.g. device or admin (default: none)
        --ttl    lifetime in seconds (default: 3600)
      The secret comes from STATE_JWT_SECRET / --jwt.secret, else <data dir>/jwt-secret.""";

  private TokenCommand() {}

  /**
   * Runs the command with the process environment.
   *
   * @param args the arguments after {@code token} (a leading {@code token} is skipped too)
   * @return the exit code: {@link #OK}, {@link #USAGE} for bad arguments or configuration, {@link
   *     #FAILED} otherwise
   */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, System.getenv(), out, err);
  }

  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    Request request;
    ServerConfig config;
    try {
      request = Request.parse(args);
      if (request.help()) {
        out.println(HELP);
        return OK;
      }
      config = ConfigLoader.load(request.serverArgs().toArray(String[]::new), env);
    } catch (UsageException | ConfigException e) {
      err.println("token: " + e.getMessage());
      err.println(HELP);
      return USAGE;
    }

    Vertx vertx = Vertx.vertx();
    try {
      String token =
          new TokenIssuer(vertx, config.jwt()).issue(request.sub(), request.roles(), request.ttl());
      out.println(token);
      warnIfNoServerUsedTheDataFolder(config, err);
      return OK;
    } catch (ConfigException e) {
      err.println("token: " + e.getMessage());
      return USAGE;
    } catch (RuntimeException e) {
      err.println("token: could not issue a token: " + e);
      return FAILED;
    } finally {
      closeQuietly(vertx);
    }
  }

  /**
   * The tool signs with {@code <data dir>/jwt-secret}, and creates it if it is not there. Run from
   * another folder than the server's, it signs with a secret of its own, and the server refuses the
   * token (401) with nothing to say why: so, when no server has used the data folder (no embedded
   * database there), say which folder was used.
   */
  private static void warnIfNoServerUsedTheDataFolder(ServerConfig config, PrintStream err) {
    Path dataDir = config.dataDir();
    Path secretFile = dataDir.resolve("jwt-secret");
    try {
      boolean signedWithTheFolderSecret =
          Files.exists(secretFile)
              && Files.readString(secretFile, StandardCharsets.UTF_8)
                  .trim()
                  .equals(config.jwt().secret());
      if (signedWithTheFolderSecret
          && config.db().url().equals(ConfigLoader.defaultH2Url(dataDir))
          && !Files.exists(ConfigLoader.embeddedDatabaseFile(dataDir))) {
        err.println(
            "token: note: signed with the secret in "
                + secretFile
                + ", and no server has used that data folder yet; a server run from another"
                + " folder has another secret and refuses this token: run this from the server's"
                + " folder, or pass --data-dir (STATE_DATA_DIR), or give both STATE_JWT_SECRET");
      }
    } catch (IOException e) {
      // only a hint: the token is printed either way
    }
  }

  private static void closeQuietly(Vertx vertx) {
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // nothing to clean up that outlives the process
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The token's own flags; everything else is handed to {@link ConfigLoader}. */
  private record Request(
      boolean help, String sub, List<String> roles, long ttl, List<String> serverArgs) {

    static Request parse(String[] args) throws UsageException {
      List<String> rest = new ArrayList<>(Arrays.asList(args));
      if (!rest.isEmpty() && rest.get(0).equals(NAME)) {
        rest.remove(0);
      }
      if (rest.contains("--help") || rest.contains("-h")) {
        return new Request(true, null, List.of(), 0, List.of());
      }
      String sub = FlagList.take(rest, "sub");
      String roles = FlagList.take(rest, "roles");
      String ttl = FlagList.take(rest, "ttl");
      if (sub == null || sub.isBlank()) {
        throw new UsageException("--sub <client id> is required");
      }
      // the server refuses a token whose sub is not a valid client id, so never print one
      try {
        ClientIds.validate(sub);
      } catch (StateException e) {
        throw new UsageException("--sub: " + e.getMessage());
      }
      return new Request(false, sub, FlagList.commaList(roles), parseTtl(ttl), rest);
    }

    private static long parseTtl(String ttl) throws UsageException {
      if (ttl == null) {
        return DEFAULT_TTL_SECONDS;
      }
      try {
        long seconds = Long.parseLong(ttl.trim());
        if (seconds >= 1 && seconds <= Integer.MAX_VALUE) {
          return seconds;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new UsageException("--ttl must be a number of seconds from 1 to " + Integer.MAX_VALUE);
    }
  }
}
