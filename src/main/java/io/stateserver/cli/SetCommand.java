package io.stateserver.cli;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code set <key> <json> [--if-version n] [--ttl-ms n] [--ephemeral]}: prints {@code
 * {"version":n}}. The value must be JSON, so a string is written with its quotes: {@code '"on"'}.
 */
public final class SetCommand {

  static final String USAGE =
      "usage: set <key> <json value> [--if-version n] [--ttl-ms n] [--ephemeral] [options]";

  private SetCommand() {}

  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, System.getenv());
  }

  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    return CommandLine.run(
        USAGE,
        args,
        Set.of("if-version", "ttl-ms"),
        Set.of("ephemeral"),
        env,
        out,
        err,
        (cli, common) -> {
          List<String> positional = cli.requirePositional("key", "json value");
          JsonObject request =
              new JsonObject()
                  .put("op", "set")
                  .put("key", positional.get(0))
                  .put("value", parseValue(positional.get(1)));
          Long ifVersion = cli.longValue("if-version", 0);
          if (ifVersion != null) {
            request.put("ifVersion", ifVersion);
          }
          Long ttlMs = cli.longValue("ttl-ms", 1);
          if (ttlMs != null) {
            request.put("ttlMs", ttlMs);
          }
          if (cli.flag("ephemeral")) {
            request.put("ephemeral", true);
          }
          return Replies.requestOnce(common, request, out, err);
        });
  }

  private static Object parseValue(String json) throws UsageException {
    try {
      return Json.decodeValue(json);
    } catch (DecodeException e) {
      throw new UsageException(
          "the value is not valid JSON (write a string with its quotes, e.g. '\"on\"'): " + json);
    }
  }
}
