package io.stateserver.state;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * JSON Merge Patch, RFC 7396, on Vert.x JSON values.
 *
 * <p>Follows the RFC's algorithm exactly: a patch that is not an object replaces the target; an
 * object patch turns a non-object target into {@code {}}, removes the members it sets to {@code
 * null} and merges the others recursively. Arrays are replaced whole, never merged.
 */
public final class MergePatch {
  private MergePatch() {}

  /**
   * Applies {@code patch} to {@code target} and returns the result; neither argument is modified.
   * Values are Vert.x JSON values: {@code JsonObject}, {@code JsonArray}, {@code String}, {@code
   * Number}, {@code Boolean} or {@code null}. The result shares no mutable object with either
   * argument, so callers may change it freely.
   */
  public static Object apply(Object target, Object patch) {
    if (!(patch instanceof JsonObject)) {
      return copy(patch);
    }
    return merge(copy(target), patch);
  }

  /** Merges into {@code owned}, which this class copied and may therefore change. */
  private static Object merge(Object owned, Object patch) {
    if (!(patch instanceof JsonObject patchObject)) {
      return copy(patch);
    }
    JsonObject result = owned instanceof JsonObject object ? object : new JsonObject();
    // Iterating a JsonObject wraps nested maps and lists as JsonObject / JsonArray.
    for (Map.Entry<String, Object> member : patchObject) {
      String name = member.getKey();
      Object value = member.getValue();
      if (value == null) {
        result.remove(name);
      } else {
        result.put(name, merge(result.getValue(name), value));
      }
    }
    return result;
  }

  private static Object copy(Object value) {
    if (value instanceof JsonObject object) {
      return object.copy();
    }
    if (value instanceof JsonArray array) {
      return array.copy();
    }
    return value;
  }
}
