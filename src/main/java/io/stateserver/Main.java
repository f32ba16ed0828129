package io.stateserver;

import io.stateserver.app.ServeCommand;
import io.stateserver.cli.ClientCommand;
import io.stateserver.cli.GetCommand;
import io.stateserver.cli.ListCommand;
import io.stateserver.cli.SetCommand;
import io.stateserver.cli.SubCommand;
import io.stateserver.cli.TokenCommand;
import java.util.Arrays;

/**
 * The fat jar's entry point. With no arguments (or only {@code --flags}) it runs a server node;
 * otherwise the first argument names a command-line tool.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    String command = args.length == 0 || args[0].startsWith("--") ? "serve" : args[0];
    String[] rest =
        args.length == 0 || "serve".equals(command) && args[0].startsWith("--")
            ? args
            : Arrays.copyOfRange(args, 1, args.length);
    int code =
        switch (command) {
          case "serve" -> ServeCommand.run(rest);
          case "token" -> TokenCommand.run(rest, System.out, System.err);
          case "client" -> ClientCommand.run(rest, System.out, System.err);
          case "get" -> GetCommand.run(rest, System.out, System.err);
          case "set" -> SetCommand.run(rest, System.out, System.err);
          case "sub" -> SubCommand.run(rest, System.out, System.err);
          case "list" -> ListCommand.run(rest, System.out, System.err);
          case "help", "--help", "-h" -> usage(0);
          default -> usage(2);
        };
    if (code >= 0) {
      System.exit(code);
    }
  }

  private static int usage(int code) {
    System.err.println(
        """
        usage: java -jar state-server.jar [serve] [--setting=value ...]   run a server node
               java -jar state-server.jar token --sub ID --roles R1,R2 [--ttl SECONDS]
               java -jar state-server.jar client add ID --roles R1,R2 | disable ID | enable ID
                 | rotate-secret ID | list   [--setting=value ...]   manage registered clients
               java -jar state-server.jar get KEY | set KEY JSON | list PATTERN | sub PATTERN
                 [--url ws://host:port/v1/ws] [--token JWT]   (or STATE_URL, STATE_TOKEN)
        """);
    return code;
  }
}
