package io.stateserver.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code sub <pattern>}: prints every snapshot entry ({@code {"key","value","version"}}) and then
 * every change frame, one JSON object per line, until Ctrl-C or until the server closes the
 * connection (exit 3, reason on stderr).
 */
public final class SubCommand {

  static final String USAGE = "usage: sub <pattern> [options]";

  private SubCommand() {}

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
        (cli, common) -> follow(common, cli.requirePositional("pattern").get(0), out, err));
  }

  private static int follow(
      CommonOptions common, String pattern, PrintStream out, PrintStream err) {
    AtomicBoolean stopping = new AtomicBoolean();
    try (WireClient client = WireClient.connect(common.url(), common.token(), common.timeout())) {
      // Ctrl-C: close the WebSocket normally so the server drops the subscription at once.
      Thread hook =
          new Thread(
              () -> {
                stopping.set(true);
                client.close();
              },
              "state-sub-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        return stream(client, pattern, common.timeout(), out, err);
      } finally {
        removeHook(hook);
      }
    } catch (WireException e) {
      if (!stopping.get()) {
        err.println("error: " + e.getMessage());
      }
      return ExitCodes.CONNECTION;
    }
  }

  private static int stream(
      WireClient client, String pattern, Duration timeout, PrintStream out, PrintStream err)
      throws WireException {
    long id = client.send(new JsonObject().put("op", "sub").put("pattern", pattern));
    boolean snapshotDone = false;
    while (true) {
      // The snapshot must come promptly; after it, changes may be far apart.
      JsonObject frame = client.nextFrame(snapshotDone ? null : timeout);
      switch (frame.getString("type", "")) {
        case "reply" -> {
          if (!(frame.getValue("id") instanceof Number n) || n.longValue() != id) {
            continue;
          }
          if (!frame.getBoolean("ok", false)) {
            Replies.printError(frame, err);
            return ExitCodes.ERROR_REPLY;
          }
          printEntries(frame.getJsonArray("entries", new JsonArray()), out);
          snapshotDone = !frame.getBoolean("more", false);
        }
        case "change" -> {
          out.println(frame.encode());
          out.flush();
        }
        case "goaway" -> err.println("goaway: " + frame.encode());
        default -> {
          // other frame types are not for this tool
        }
      }
    }
  }

  private static void printEntries(JsonArray entries, PrintStream out) {
    for (Object entry : entries) {
      out.println(entry instanceof JsonObject json ? json.encode() : String.valueOf(entry));
    }
    out.flush();
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the JVM is exiting (Ctrl-C); the hook is running or has run
    }
  }
}
