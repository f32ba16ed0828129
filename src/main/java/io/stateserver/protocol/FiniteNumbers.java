package io.stateserver.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * Refuses numbers JSON cannot carry. A literal such as {@code 1e400} parses to an infinite double,
 * which would be stored and sent back as the string {@code "Infinity"}: a silently changed value.
 * The server refuses such a request, and the command-line client refuses such a value before
 * sending it, with this one check so that the two never disagree.
 */
public final class FiniteNumbers {
  private FiniteNumbers() {}

  /**
   * @throws StateException bad_request naming the field when the value holds a number out of range
   */
  public static void require(Object value, String field) {
    if (!finite(value)) {
      throw StateException.badRequest(
          "field '" + field + "' holds a number outside the range of a double");
    }
  }

  /** Whether every number in {@code value}, however deeply nested, is finite. */
  public static boolean finite(Object value) {
    if (value instanceof Double d) {
      return Double.isFinite(d);
    }
    if (value instanceof Float f) {
      return Float.isFinite(f);
    }
    if (value instanceof JsonObject o) {
      for (Map.Entry<String, Object> e : o) {
        if (!finite(e.getValue())) {
          return false;
        }
      }
    } else if (value instanceof JsonArray a) {
      for (Object item : a) {
        if (!finite(item)) {
          return false;
        }
      }
    }
    return true;
  }
}
