package io.stateserver.protocol;

/** WebSocket close codes of PROTOCOL.md section 5. */
public final class CloseCodes {
  private CloseCodes() {}

  public static final short NORMAL = 1000;
  public static final short GOING_AWAY = 1001;
  public static final short UNSUPPORTED_DATA = 1003;
  public static final short POLICY_VIOLATION = 1008;
  public static final short TOO_BIG = 1009;
  public static final short TOKEN_INVALID = 4401;
  public static final short ACCESS_REVOKED = 4403;
  public static final short RATE_LIMITED = 4429;
}
