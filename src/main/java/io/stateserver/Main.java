package io.stateserver;

import io.stateserver.app.ServeCommand;
import io.stateserver.cli.Cli;
import io.stateserver.cli.ClientCommand;
import io.stateserver.cli.TokenCommand;
import java.util.Arrays;

/**
 * The fat jar's entry point. With no arguments (or only {@code --flags}) it runs a server node;
 * otherwise the first argument names a command-line tool.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int code = run(args);
    if (code >= 0) {
      System.exit(code);
    }
  }

  /** Picks the command; -1 means a server is running and will exit by itself (on SIGTERM). */
  private static int run(String[] args) {
    if (args.length == 0 || args[0].startsWith("--") && !isHelp(args[0])) {
      return ServeCommand.run(args);
    }
    String command = args[0];
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    if (Cli.isCommand(command)) {
      return Cli.run(args, System.out, System.err);
    }
    return switch (command) {
      case "serve" -> ServeCommand.run(rest);
      case "token" -> TokenCommand.run(rest, System.out, System.err);
      case "client" -> ClientCommand.run(rest, System.out, System.err);
      case "help", "--help", "-h" -> usage(0);
      default -> usage(2);
    };
  }

  private static boolean isHelp(String arg) {
    return "--help".equals(arg) || "-h".equals(arg);
  }

  private static int usage(int code) {
    System.err.println(
        """
        usage: java -jar state-server.jar [serve] [--setting=value ...]   run a server node
               java -jar state-server.jar token --sub ID --roles R1,R2 [--ttl SECONDS]
               java -jar state-server.jar client add ID --roles R1,R2 | disable ID | enable ID
                 | rotate-secret ID | list   [--setting=value ...]   manage registered clients
               java -jar state-server.jar get KEY | set KEY JSON | list PATTERN | sub PATTERN
                 | compare PATTERN --with-url WS_URL | mirror PATTERN --to-url WS_URL
                 [--url ws://host:port/v1/ws] [--token JWT]   (or STATE_URL, STATE_TOKEN)
        """);
    return code;
  }
}
