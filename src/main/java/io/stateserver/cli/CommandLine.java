package io.stateserver.cli;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** What every client tool does with its command line: parse, handle help and usage errors. */
final class CommandLine {

  /** The tool's work once the command line is parsed; may still reject arguments. */
  interface Body {
    int run(CliArgs args, CommonOptions common) throws UsageException;
  }

  private CommandLine() {}

  static int run(
      String usage,
      String[] args,
      Set<String> valueOptions,
      Set<String> flagOptions,
      Map<String, String> env,
      PrintStream out,
      PrintStream err,
      Body body) {
    Set<String> values = new HashSet<>(valueOptions);
    values.addAll(CommonOptions.VALUE_OPTIONS);
    Set<String> flags = new HashSet<>(flagOptions);
    flags.add("help");
    try {
      CliArgs parsed = CliArgs.parse(args, values, flags);
      if (parsed.flag("help")) {
        out.println(usage);
        out.println(CommonOptions.USAGE);
        return ExitCodes.OK;
      }
      return body.run(parsed, CommonOptions.from(parsed, env));
    } catch (UsageException e) {
      err.println("error: " + e.getMessage());
      err.println(usage);
      err.println(CommonOptions.USAGE);
      return ExitCodes.USAGE;
    }
  }
}
