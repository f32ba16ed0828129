package io.stateserver.cli;

import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * {@code compare <pattern> --with-url <ws url> --with-token <jwt>}: validates a migration. Reads
 * every key under the pattern from this server ({@code --url}) and from the other one, and prints
 * one JSON line per key that differs, {@code {"key","here","there"}} with the two values ({@code
 * here} or {@code there} absent when the key exists on one side only), then a summary line {@code
 * {"same","different","onlyHere","onlyThere"}}. Values are compared as JSON (so {@code 1} and
 * {@code 1.0} are equal); versions are not, since each deployment numbers its own. Exit 0 when
 * nothing differs, 4 when something does.
 *
 * <p>Both states are read into memory, page by page; on live servers, a key written meanwhile may
 * show up as a difference, so compare once the writers have stopped, or compare twice.
 */
public final class CompareCommand {

  static final String USAGE =
      "usage: compare <pattern> --with-url <ws url> --with-token <jwt> [options]"
          + " (--with-token may come from env STATE_WITH_TOKEN)";

  private CompareCommand() {}

  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, System.getenv());
  }

  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    return CommandLine.run(
        USAGE,
        args,
        Set.of("with-url", "with-token"),
        Set.of(),
        env,
        out,
        err,
        (cli, here) -> {
          String pattern = cli.requirePositional("pattern").get(0);
          CommonOptions there = here.other(cli, env, "with", "STATE_WITH_TOKEN");
          return compare(pattern, here, there, out, err);
        });
  }

  private static int compare(
      String pattern, CommonOptions here, CommonOptions there, PrintStream out, PrintStream err) {
    SortedMap<String, JsonObject> a;
    SortedMap<String, JsonObject> b;
    try {
      a = read(here.named("this deployment"), here, pattern, err);
      b = read(there.named("the other deployment"), there, pattern, err);
    } catch (WireException e) {
      err.println("error: " + e.getMessage());
      return ExitCodes.CONNECTION;
    } catch (ErrorReply e) {
      e.print(err);
      return ExitCodes.ERROR_REPLY;
    }
    long same = 0;
    long different = 0;
    long onlyHere = 0;
    long onlyThere = 0;
    Set<String> keys = new TreeSet<>(a.keySet());
    keys.addAll(b.keySet());
    for (String key : keys) {
      JsonObject x = a.get(key);
      JsonObject y = b.get(key);
      if (x != null && y != null && sameJson(x.getValue("value"), y.getValue("value"))) {
        same++;
        continue;
      }
      JsonObject line = new JsonObject().put("key", key);
      if (x != null) {
        line.put("here", x.getValue("value"));
      }
      if (y != null) {
        line.put("there", y.getValue("value"));
      }
      if (x == null) {
        onlyThere++;
      } else if (y == null) {
        onlyHere++;
      } else {
        different++;
      }
      out.println(line.encode());
    }
    out.println(
        new JsonObject()
            .put("same", same)
            .put("different", different)
            .put("onlyHere", onlyHere)
            .put("onlyThere", onlyThere)
            .encode());
    out.flush();
    return different + onlyHere + onlyThere == 0 ? ExitCodes.OK : ExitCodes.DIFFERENT;
  }

  /** JSON equality: Vert.x compares numbers by value inside objects, whatever their Java type. */
  static boolean sameJson(Object a, Object b) {
    return new JsonObject().put("v", a).equals(new JsonObject().put("v", b));
  }

  /**
   * @param name the server, as the operator knows it, for messages: {@code this deployment (--url
   *     ws://...)}
   */
  private static SortedMap<String, JsonObject> read(
      String name, CommonOptions server, String pattern, PrintStream err)
      throws WireException, ErrorReply {
    try (WireClient client = server.connect()) {
      return ListAll.entries(client, Pace.of(client, new Deferrals(name, err)), pattern, name);
    }
  }
}
