package io.stateserver.ratelimit;

import java.util.List;

/** The {@code kind} labels of the {@code state_rate_limited} counter. */
public final class RejectionKind {
  /** A connection's own message budget. */
  public static final String CONNECTION_MESSAGES = "connection_messages";

  /** A connection's own byte budget. */
  public static final String CONNECTION_BYTES = "connection_bytes";

  /** The client id's budget, shared by all its connections on all nodes. */
  public static final String CLIENT = "client";

  /** Upgrade attempts from one remote address. */
  public static final String UPGRADE_ADDRESS = "upgrade_address";

  /** Open connections of one client id. */
  public static final String CONNECTIONS_CLIENT = "connections_client";

  /** Open connections from one remote address. */
  public static final String CONNECTIONS_ADDRESS = "connections_address";

  /** Token requests ({@code POST /v1/auth/token}) for one client id. */
  public static final String TOKEN_CLIENT = "token_client";

  /** Token requests from one remote address. */
  public static final String TOKEN_ADDRESS = "token_address";

  /**
   * Token requests (and admin calls that make a secret) refused because the node had as many secret
   * checks in progress as it admits ({@code security/SecretHashing}).
   */
  public static final String SECRET_CHECKS = "secret_checks";

  /** Connections closed with 4429 after repeated rejections. */
  public static final String ABUSE_CLOSE = "abuse_close";

  public static final List<String> ALL =
      List.of(
          CONNECTION_MESSAGES,
          CONNECTION_BYTES,
          CLIENT,
          UPGRADE_ADDRESS,
          CONNECTIONS_CLIENT,
          CONNECTIONS_ADDRESS,
          TOKEN_CLIENT,
          TOKEN_ADDRESS,
          SECRET_CHECKS,
          ABUSE_CLOSE);

  private RejectionKind() {}
}
