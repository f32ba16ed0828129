package io.stateserver.session;

/** Names of the presence keys the server keeps for every client id. */
public final class PresenceKeys {
  private PresenceKeys() {}

  public static final String PREFIX = "$sys/clients/";

  /** {@code $sys/clients/<clientId>}. */
  public static String of(String clientId) {
    return PREFIX + clientId;
  }
}
