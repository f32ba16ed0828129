package io.stateserver.protocol;

/** Key validation (PROTOCOL.md section 1). STUB: signature fixed, body to be written. */
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
    throw new UnsupportedOperationException("stub");
  }

  /** True for the server's own keys ({@code $...}), which clients may never write. */
  public static boolean isSystem(String key) {
    return key.startsWith("$");
  }
}
