package io.stateserver.cli;

import java.util.Arrays;
import java.util.List;

/** Takes a tool's own flags out of its argument list, leaving the rest for the configuration. */
final class FlagList {
  private FlagList() {}

  /** Removes {@code --name=value} or {@code --name value} from the list; the last one wins. */
  static String take(List<String> args, String name) throws UsageException {
    String value = null;
    for (int i = 0; i < args.size(); ) {
      String arg = args.get(i);
      if (arg.startsWith("--" + name + "=")) {
        value = arg.substring(name.length() + 3);
        args.remove(i);
      } else if (arg.equals("--" + name)) {
        if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
          throw new UsageException("--" + name + " needs a value");
        }
        value = args.get(i + 1);
        args.remove(i + 1);
        args.remove(i);
      } else {
        i++;
      }
    }
    return value;
  }

  /** A comma-separated flag value as a list, blanks dropped; null gives an empty list. */
  static List<String> commaList(String value) {
    if (value == null) {
      return List.of();
    }
    return Arrays.stream(value.split(",")).map(String::trim).filter(r -> !r.isEmpty()).toList();
  }
}
