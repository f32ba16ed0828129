package io.stateserver.cli;

import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.util.Map;
import java.util.Set;

/**
 * {@code get <key>}: prints {@code {"exists":...,"value":...,"version":...}} (version 0 when
 * absent).
 */
public final class GetCommand {

  static final String USAGE = "usage: get <key> [options]";

  private GetCommand() {}

  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, System.getenv());
  }

  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    return CommandLine.run(
        USAGE,
        args,
        Set.of(),
        Set.of(),
        env,
        out,
        err,
        (cli, common) -> {
          String key = cli.requirePositional("key").get(0);
          JsonObject request = new JsonObject().put("op", "get").put("key", key);
          return Replies.requestOnce(common, request, out, err);
        });
  }
}
