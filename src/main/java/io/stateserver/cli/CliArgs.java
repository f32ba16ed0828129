package io.stateserver.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed command line: positional arguments and {@code --name value}, {@code --name=value} or
 * {@code --flag} options, in any order. {@code --} ends the options, for a key or value that starts
 * with {@code --}. A single dash is not an option marker, so {@code set counter -5} works.
 */
final class CliArgs {

  private final List<String> positional;
  private final Map<String, String> values;
  private final Set<String> flags;

  private CliArgs(List<String> positional, Map<String, String> values, Set<String> flags) {
    this.positional = positional;
    this.values = values;
    this.flags = flags;
  }

  /**
   * @param valueOptions option names (without dashes) that take a value
   * @param flagOptions option names that take none
   */
  static CliArgs parse(String[] args, Set<String> valueOptions, Set<String> flagOptions)
      throws UsageException {
    List<String> positional = new ArrayList<>();
    Map<String, String> values = new HashMap<>();
    Set<String> flags = new HashSet<>();
    boolean optionsEnded = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (optionsEnded || !arg.startsWith("--")) {
        positional.add(arg);
        continue;
      }
      if (arg.equals("--")) {
        optionsEnded = true;
        continue;
      }
      int equals = arg.indexOf('=');
      String name = arg.substring(2, equals < 0 ? arg.length() : equals);
      if (flagOptions.contains(name)) {
        if (equals >= 0) {
          throw new UsageException("option --" + name + " takes no value");
        }
        flags.add(name);
      } else if (valueOptions.contains(name)) {
        String value;
        if (equals >= 0) {
          value = arg.substring(equals + 1);
        } else if (i + 1 < args.length) {
          value = args[++i];
        } else {
          throw new UsageException("option --" + name + " needs a value");
        }
        if (values.put(name, value) != null) {
          throw new UsageException("option --" + name + " given twice");
        }
      } else {
        throw new UsageException("unknown option " + arg);
      }
    }
    return new CliArgs(positional, values, flags);
  }

  List<String> positional() {
    return positional;
  }

  /** Exactly {@code names.length} positional arguments, named for the error message. */
  List<String> requirePositional(String... names) throws UsageException {
    if (positional.size() != names.length) {
      throw new UsageException(
          "expected "
              + String.join(" ", names.length == 0 ? new String[] {"no"} : wrap(names))
              + " arguments, got "
              + positional.size());
    }
    return positional;
  }

  private static String[] wrap(String[] names) {
    String[] wrapped = new String[names.length];
    for (int i = 0; i < names.length; i++) {
      wrapped[i] = "<" + names[i] + ">";
    }
    return wrapped;
  }

  String value(String name) {
    return values.get(name);
  }

  boolean flag(String name) {
    return flags.contains(name);
  }

  /** The option as a number at least {@code min}, or null when absent. */
  Long longValue(String name, long min) throws UsageException {
    String value = values.get(name);
    if (value == null) {
      return null;
    }
    try {
      long parsed = Long.parseLong(value);
      if (parsed < min) {
        throw new UsageException("option --" + name + " must be at least " + min);
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new UsageException("option --" + name + " must be a whole number: " + value);
    }
  }
}
