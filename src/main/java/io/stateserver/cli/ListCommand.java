package io.stateserver.cli;

import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.util.Map;
import java.util.Set;

/**
 * {@code list <pattern> [--limit n] [--after key]}: prints {@code {"entries":[...],"next":...}},
 * {@code next} present when more keys follow (pass it as {@code --after}).
 */
public final class ListCommand {

  static final String USAGE = "usage: list <pattern> [--limit n] [--after key] [options]";

  private ListCommand() {}

  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, System.getenv());
  }

  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    return CommandLine.run(
        USAGE,
        args,
        Set.of("limit", "after"),
        Set.of(),
        env,
        out,
        err,
        (cli, common) -> {
          String pattern = cli.requirePositional("pattern").get(0);
          JsonObject request = new JsonObject().put("op", "list").put("pattern", pattern);
          Long limit = cli.longValue("limit", 1);
          if (limit != null) {
            request.put("limit", limit);
          }
          if (cli.value("after") != null) {
            request.put("after", cli.value("after"));
          }
          return Replies.requestOnce(common, request, out, err);
        });
  }
}
