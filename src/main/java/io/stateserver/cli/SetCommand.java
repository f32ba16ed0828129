package io.stateserver.cli;

import io.stateserver.protocol.FiniteNumbers;
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
    Object value;
    try {
      value = Json.decodeValue(json);
    } catch (DecodeException e) {
      throw new UsageException(
          "the value is not valid JSON (write a string with its quotes, e.g. '\"on\"'): " + json);
    }
    // 1e400 decodes to an infinite double, which would be sent as the string "Infinity": refused
    // here with the server's own check, since the server refuses the number itself as bad_request
    if (!FiniteNumbers.finite(value)) {
      throw new UsageException(
          "the value holds a number outside the range of a double (e.g. 1e400): " + json);
    }
    return value;
  }
}
