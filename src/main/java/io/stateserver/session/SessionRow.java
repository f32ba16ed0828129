package io.stateserver.session;

/**
 * One row of the sessions table.
 *
 * @param id the session id (what a client passes as {@code session=} to resume)
 * @param clientId the client's {@code sub}
 * @param nodeId the node that holds (or last held) the connection
 * @param connected whether a connection is open on {@code nodeId}
 * @param connectedAt epoch ms of the last (re)connect
 * @param disconnectedAt epoch ms of the last drop, or null while connected
 * @param leaseUntil epoch ms until which {@code nodeId} vouches for the connection; a node that
 *     dies stops renewing it
 * @param ended whether the session is over (its ephemeral keys are deleted)
 */
public record SessionRow(
    String id,
    String clientId,
    String nodeId,
    boolean connected,
    long connectedAt,
    Long disconnectedAt,
    long leaseUntil,
    boolean ended) {

  /** Whether the session still counts toward the client being online. */
  public boolean live() {
    return !ended;
  }

  /** Whether the session has an open connection now. */
  public boolean openConnection() {
    return connected && !ended;
  }
}
