package io.stateserver.protocol;

/**
 * Measures the nesting depth of JSON text before it is parsed, so that a hostile frame of many
 * thousand '[' cannot drive the parser into deep recursion.
 */
public final class JsonDepth {
  /** How deep a WebSocket request may nest JSON (docs/protocol-decisions.md, "Nesting"). */
  public static final int MAX_REQUEST_DEPTH = 64;

  private JsonDepth() {}

  public static boolean exceeds(String text, int maxDepth) {
    int depth = 0;
    boolean inString = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        if (++depth > maxDepth) {
          return true;
        }
      } else if (c == '}' || c == ']') {
        depth--;
      }
    }
    return false;
  }
}
