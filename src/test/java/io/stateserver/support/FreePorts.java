package io.stateserver.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/**
 * Free TCP ports for tests that must name a port up front (Hazelcast members, child servers).
 *
 * <p>The port is free when returned; another process could take it before the caller binds it,
 * which is rare enough on a test machine. Prefer port 0 wherever the code under test allows it.
 */
public final class FreePorts {

  private FreePorts() {}

  /** A port that no socket on this machine was bound to a moment ago. */
  public static int find() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port", e);
    }
  }
}
