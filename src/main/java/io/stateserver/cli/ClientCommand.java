package io.stateserver.cli;

import io.stateserver.config.ConfigException;
import io.stateserver.config.ConfigLoader;
import io.stateserver.config.ServerConfig;
import io.stateserver.persistence.Database;
import io.stateserver.protocol.StateException;
import io.stateserver.security.ClientInfo;
import io.stateserver.security.ClientService;
import io.stateserver.security.RegistryOp;
import io.stateserver.security.SecretHasher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code java -jar state-server.jar client add <id> --roles a,b | disable <id> | enable <id> |
 * rotate-secret <id> | list [server flags]}: manages the client registry directly in the configured
 * database (same configuration as the server: flags, {@code STATE_*} variables, config file).
 *
 * <p>Running servers learn of a disable made here when they next re-read the registry (every few
 * seconds), not at once as with the admin API. The embedded H2 database can only be opened by one
 * process: stop the server first, or use the admin API.
 */
public final class ClientCommand {
  public static final String NAME = "client";
  static final long TIMEOUT_SECONDS = 60;

  private static final String HELP =
      """
      usage: java -jar state-server.jar client <command> [server flags, e.g. --data-dir <dir>]
        add <id> --roles r1,r2   register a client; prints its secret (shown only this once)
        disable <id>             refuse its tokens and token requests
        enable <id>              allow it again
        rotate-secret <id>       give it a new secret; prints it; the old one stops working
        list                     print every client (without secrets)
      The database comes from STATE_DB_URL / --db.url, else the embedded one in the data folder.""";

  private ClientCommand() {}

  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, System.getenv(), out, err);
  }

  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    Request request;
    ServerConfig config;
    try {
      request = Request.parse(args);
      if (request == null) {
        out.println(HELP);
        return ExitCodes.OK;
      }
      config = ConfigLoader.load(request.serverArgs().toArray(String[]::new), env);
    } catch (UsageException | ConfigException e) {
      err.println("client: " + e.getMessage());
      err.println(HELP);
      return ExitCodes.USAGE;
    }
    Vertx vertx = Vertx.vertx();
    Database database = null;
    try {
      database = await(Database.open(vertx, config.db()));
      ClientService clients =
          new ClientService(vertx, database, new SecretHasher(), config.roles());
      out.println(await(execute(request, clients)));
      return ExitCodes.OK;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof StateException se) {
        err.println("client: " + se.getMessage() + " [" + se.code().wire() + "]");
        return ExitCodes.ERROR_REPLY;
      }
      err.println("client: failed: " + cause);
      return ExitCodes.CONNECTION;
    } catch (TimeoutException e) {
      err.println("client: the database did not answer in time");
      return ExitCodes.CONNECTION;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExitCodes.CONNECTION;
    } finally {
      if (database != null) {
        awaitQuietly(database.close());
      }
      awaitQuietly(vertx.close());
    }
  }

  /** Runs the command and returns what to print. */
  private static Future<String> execute(Request r, ClientService clients) {
    return switch (r.command()) {
      case "add" -> clients.register(r.id(), r.roles()).map(ClientCommand::secretJson);
      case "disable" ->
          clients
              .setEnabled(r.id(), false)
              .map(v -> new JsonObject().put("clientId", r.id()).put("enabled", false).encode());
      case "enable" ->
          clients
              .setEnabled(r.id(), true)
              .map(v -> new JsonObject().put("clientId", r.id()).put("enabled", true).encode());
      case "rotate-secret" -> clients.rotateSecret(r.id()).map(ClientCommand::secretJson);
      case "list" ->
          clients
              .list()
              .map(
                  list -> {
                    StringBuilder sb = new StringBuilder();
                    for (ClientInfo c : list) {
                      if (sb.length() > 0) {
                        sb.append('\n');
                      }
                      sb.append(c.toJson().encode());
                    }
                    return sb.toString();
                  });
      default -> throw new IllegalStateException("unreachable: " + r.command());
    };
  }

  private static String secretJson(RegistryOp.ClientSecret s) {
    return new JsonObject().put("clientId", s.clientId()).put("secret", s.secret()).encode();
  }

  private static <T> T await(Future<T> future)
      throws ExecutionException, InterruptedException, TimeoutException {
    return future.toCompletionStage().toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  private static void awaitQuietly(Future<?> future) {
    try {
      await(future);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // closing: nothing left to do about it
    }
  }

  /** The command, its client id and roles; everything else goes to {@link ConfigLoader}. */
  record Request(String command, String id, List<String> roles, List<String> serverArgs) {
    private static final List<String> COMMANDS =
        List.of("add", "disable", "enable", "rotate-secret", "list");

    /** The request, or null when help was asked for. */
    static Request parse(String[] args) throws UsageException {
      List<String> rest = new ArrayList<>(Arrays.asList(args));
      if (!rest.isEmpty() && rest.get(0).equals(NAME)) {
        rest.remove(0);
      }
      if (rest.isEmpty() || rest.contains("--help") || rest.contains("-h")) {
        if (rest.isEmpty()) {
          throw new UsageException("a command is required");
        }
        return null;
      }
      String command = rest.remove(0);
      if (!COMMANDS.contains(command)) {
        throw new UsageException("unknown command \"" + command + "\"");
      }
      String roles = FlagList.take(rest, "roles");
      String id = null;
      if (!command.equals("list")) {
        if (rest.isEmpty() || rest.get(0).startsWith("--")) {
          throw new UsageException(command + " needs a client id");
        }
        id = rest.remove(0);
      }
      if (command.equals("add") && roles == null) {
        throw new UsageException("add needs --roles r1,r2");
      }
      if (!command.equals("add") && roles != null) {
        throw new UsageException("--roles only goes with add");
      }
      return new Request(command, id, FlagList.commaList(roles), rest);
    }
  }
}
