package io.stateserver.security;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.Keys;
import io.stateserver.protocol.StateException;
import java.nio.charset.StandardCharsets;

/**
 * Which client ids the registry accepts. A client id is substituted into access patterns ({@code
 * devices/${sub}/#}) and presence keys, so it must be one valid key segment: no '/', '+', '#' or
 * control character, not starting with '$' (the server's own keys), not "." or "..", and short
 * enough to leave room for the rest of a key.
 */
public final class ClientIds {
  public static final int MAX_BYTES = 128;

  private ClientIds() {}

  public static boolean isValid(String id) {
    return id != null
        && !id.isEmpty()
        && id.getBytes(StandardCharsets.UTF_8).length <= MAX_BYTES
        && id.indexOf('/') < 0
        && !id.startsWith("$")
        && !id.equals(".")
        && !id.equals("..")
        && Keys.isValid(id);
  }

  /**
   * @return the id
   * @throws StateException {@code bad_request} when it is not a valid client id
   */
  public static String validate(String id) {
    if (!isValid(id)) {
      throw StateException.badRequest(
          "clientId must be 1-"
              + MAX_BYTES
              + " bytes without '/', '+', '#', control characters or a leading '$'");
    }
    return id;
  }

  static StateException notFound() {
    return new StateException(ErrorCode.NOT_FOUND, "no such client");
  }
}
