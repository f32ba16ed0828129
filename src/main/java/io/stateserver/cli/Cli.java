package io.stateserver.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;

/**
 * The client tools bundled in the server's jar: {@code java -jar state-server.jar <command> ...}.
 *
 * <p>Commands print results to stdout as JSON and diagnostics to stderr; see {@link ExitCodes}.
 */
public final class Cli {

  /** A client tool's entry point. */
  @FunctionalInterface
  public interface Command {
    int run(String[] args, PrintStream out, PrintStream err);
  }

  private static final Map<String, Command> COMMANDS =
      Map.of(
          "get", GetCommand::run,
          "set", SetCommand::run,
          "sub", SubCommand::run,
          "list", ListCommand::run,
          "compare", CompareCommand::run,
          "mirror", MirrorCommand::run);

  private Cli() {}

  /** Whether {@code name} (the first command-line argument) names a client tool. */
  public static boolean isCommand(String name) {
    return COMMANDS.containsKey(name);
  }

  /** Runs the tool named by {@code args[0]} with the remaining arguments. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || !isCommand(args[0])) {
      err.println("usage: <get|set|sub|list|compare|mirror> ... (--help for a command's options)");
      return ExitCodes.USAGE;
    }
    return COMMANDS.get(args[0]).run(Arrays.copyOfRange(args, 1, args.length), out, err);
  }
}
