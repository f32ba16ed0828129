package io.stateserver.cli;

/**
 * The connection to the server failed: could not connect, the upgrade was refused, the server
 * closed the connection, a frame was not JSON, or a reply did not come in time. Error replies are
 * not failures of this kind; they arrive as frames.
 */
public final class WireException extends Exception {

  public WireException(String message) {
    super(message);
  }

  public WireException(String message, Throwable cause) {
    super(message, cause);
  }
}
