package io.stateserver.state;

/** JSON Merge Patch, RFC 7396. STUB: signature fixed, body to be written. */
public final class MergePatch {
  private MergePatch() {}

  /**
   * Applies {@code patch} to {@code target} and returns the result; neither argument is modified.
   * Values are Vert.x JSON values: {@code JsonObject}, {@code JsonArray}, {@code String}, {@code
   * Number}, {@code Boolean} or {@code null}.
   */
  public static Object apply(Object target, Object patch) {
    throw new UnsupportedOperationException("stub");
  }
}
