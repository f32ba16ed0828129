package io.stateserver.config;

import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The kinds of value a setting holds, and how a value from a config file (any JSON value) or from
 * the environment or the command line (always a string) becomes one.
 */
enum SettingType {
  STRING,
  INT,
  LONG,
  BOOLEAN,
  /** A list of strings; written as a JSON array or, in a string, comma-separated. */
  LIST;

  /**
   * Converts a raw value to this type's JSON form (String, Integer, Long, Boolean or JsonArray).
   *
   * @param origin where the value came from, e.g. {@code "environment variable STATE_HTTP_PORT"}
   * @throws ConfigException naming the setting and its origin when the value does not fit
   */
  Object coerce(String setting, Object raw, String origin) {
    if (raw == null) {
      return null;
    }
    try {
      return switch (this) {
        case STRING -> requireScalar(raw).toString();
        case INT -> Math.toIntExact(toLong(raw));
        case LONG -> toLong(raw);
        case BOOLEAN -> toBoolean(raw);
        case LIST -> toList(raw);
      };
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw new ConfigException(
          "invalid value for setting "
              + setting
              + " (from "
              + origin
              + "): "
              + describe(raw)
              + " is not "
              + article());
    }
  }

  private String article() {
    return switch (this) {
      case STRING -> "a string";
      case INT -> "a whole number that fits in 32 bits";
      case LONG -> "a whole number";
      case BOOLEAN -> "true or false";
      case LIST -> "a list of strings";
    };
  }

  private static String describe(Object raw) {
    return raw instanceof String s ? "\"" + s + "\"" : String.valueOf(raw);
  }

  private static Object requireScalar(Object raw) {
    if (raw instanceof String || raw instanceof Number || raw instanceof Boolean) {
      return raw;
    }
    throw new IllegalArgumentException();
  }

  private static long toLong(Object raw) {
    if (raw instanceof Integer || raw instanceof Long || raw instanceof Short) {
      return ((Number) raw).longValue();
    }
    if (raw instanceof Number n) {
      double d = n.doubleValue();
      if (d != Math.rint(d) || Double.isInfinite(d)) {
        throw new IllegalArgumentException();
      }
      return n.longValue();
    }
    if (raw instanceof String s) {
      return Long.parseLong(s.trim());
    }
    throw new IllegalArgumentException();
  }

  private static boolean toBoolean(Object raw) {
    if (raw instanceof Boolean b) {
      return b;
    }
    if (raw instanceof String s) {
      return switch (s.trim().toLowerCase(Locale.ROOT)) {
        case "true", "yes", "1", "on" -> true;
        case "false", "no", "0", "off" -> false;
        default -> throw new IllegalArgumentException();
      };
    }
    throw new IllegalArgumentException();
  }

  private static JsonArray toList(Object raw) {
    List<Object> items = new ArrayList<>();
    if (raw instanceof String s) {
      Arrays.stream(s.split(",")).map(String::trim).filter(p -> !p.isEmpty()).forEach(items::add);
    } else if (raw instanceof JsonArray array) {
      for (Object item : array) {
        if (!(item instanceof String)) {
          throw new IllegalArgumentException();
        }
        items.add(item);
      }
    } else {
      throw new IllegalArgumentException();
    }
    return new JsonArray(items);
  }
}
