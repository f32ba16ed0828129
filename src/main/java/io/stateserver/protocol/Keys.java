package io.stateserver.protocol;

/**
 * Key validation (PROTOCOL.md section 1).
 *
 * <p>A key is 1-256 bytes of UTF-8, made of segments separated by '/', with no empty segment (so no
 * leading, trailing or doubled '/'), no control character and neither '+' nor '#'. Besides the ISO
 * control characters (U+0000-U+001F, U+007F-U+009F) the line and paragraph separators U+2028 and
 * U+2029 are refused too: they end lines in JavaScript and in many log viewers, and a key should
 * never split a line. A string holding an unpaired surrogate has no UTF-8 form and is refused.
 *
 * <p>The same scan checks patterns ({@link KeyPattern}), which may in addition hold the wildcards
 * as whole segments.
 */
public final class Keys {
  public static final int MAX_KEY_BYTES = 256;

  private Keys() {}

  /**
   * Checks a key: UTF-8, 1-256 bytes, segments separated by '/', no empty segment, no leading or
   * trailing '/', no control characters, no '+' or '#'.
   *
   * @return the key itself
   * @throws StateException with {@link ErrorCode#INVALID_KEY} and a message saying what is wrong
   */
  public static String validate(String key) {
    check(key, false);
    return key;
  }

  /** Whether {@link #validate} would accept the key, without building an exception. */
  public static boolean isValid(String key) {
    try {
      check(key, false);
      return true;
    } catch (StateException e) {
      return false;
    }
  }

  /** True for the server's own keys ({@code $...}), which clients may never write. */
  public static boolean isSystem(String key) {
    return key.startsWith("$");
  }

  /**
   * Scans a key or, with {@code pattern}, a pattern, in one pass and without allocating.
   *
   * @throws StateException with {@link ErrorCode#INVALID_KEY} or {@link ErrorCode#INVALID_PATTERN}
   */
  static void check(String text, boolean pattern) {
    String what = pattern ? "pattern" : "key";
    if (text == null) {
      throw fail(pattern, what + " is missing");
    }
    int length = text.length();
    if (length == 0) {
      throw fail(pattern, what + " is empty");
    }
    // Every char is at least one UTF-8 byte: a long string is refused before it is scanned.
    if (length > MAX_KEY_BYTES) {
      throw fail(pattern, what + " is longer than " + MAX_KEY_BYTES + " bytes");
    }
    if (text.charAt(0) == '/') {
      throw fail(pattern, what + " must not start with '/'");
    }
    int bytes = 0;
    int segmentStart = 0;
    int wildcards = 0; // '+' and '#' in the current segment
    for (int i = 0; i < length; i++) {
      char c = text.charAt(i);
      if (c == '/') {
        if (i == segmentStart) {
          throw fail(pattern, what + " has an empty segment [index: " + i + "]");
        }
        checkWildcards(text, segmentStart, i, wildcards, false, pattern);
        segmentStart = i + 1;
        wildcards = 0;
        bytes += 1;
      } else if (c < 0x80) {
        if (c < 0x20 || c == 0x7f) {
          throw fail(pattern, what + " contains a control character [index: " + i + "]");
        }
        if (c == '+' || c == '#') {
          wildcards++;
        }
        bytes += 1;
      } else if (c < 0x800) {
        if (Character.isISOControl(c)) {
          throw fail(pattern, what + " contains a control character [index: " + i + "]");
        }
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        if (i + 1 >= length || !Character.isLowSurrogate(text.charAt(i + 1))) {
          throw fail(pattern, what + " contains an unpaired surrogate [index: " + i + "]");
        }
        i++;
        bytes += 4;
      } else if (Character.isLowSurrogate(c)) {
        throw fail(pattern, what + " contains an unpaired surrogate [index: " + i + "]");
      } else {
        if (c == '\u2028' || c == '\u2029') {
          throw fail(pattern, what + " contains a line separator [index: " + i + "]");
        }
        bytes += 3;
      }
    }
    if (segmentStart == length) {
      throw fail(pattern, what + " must not end with '/'");
    }
    checkWildcards(text, segmentStart, length, wildcards, true, pattern);
    if (bytes > MAX_KEY_BYTES) {
      throw fail(
          pattern, what + " is longer than " + MAX_KEY_BYTES + " bytes [bytes: " + bytes + "]");
    }
  }

  private static void checkWildcards(
      String text, int start, int end, int wildcards, boolean last, boolean pattern) {
    if (wildcards == 0) {
      return;
    }
    if (!pattern) {
      throw fail(false, "key contains '+' or '#', which are pattern wildcards");
    }
    if (end - start != 1) {
      throw fail(true, "pattern wildcards '+' and '#' must stand as whole segments");
    }
    if (text.charAt(start) == '#' && !last) {
      throw fail(true, "pattern wildcard '#' may only be the last segment");
    }
  }

  private static StateException fail(boolean pattern, String message) {
    return new StateException(pattern ? ErrorCode.INVALID_PATTERN : ErrorCode.INVALID_KEY, message);
  }
}
