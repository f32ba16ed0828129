package io.stateserver.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports for tests that must name a port up front (Hazelcast members, child servers).
 *
 * <p>Ports come from below the kernel's ephemeral range (32768 and up on Linux). A port the kernel
 * handed out for "any free port" sits in that range, where every outgoing connection (database
 * pools, Hazelcast members dialling each other) also takes its local port, so a child server
 * started a moment later could find it taken. No port is handed out twice by one test JVM. Prefer
 * port 0 wherever the code under test allows it.
 */
public final class FreePorts {
  static final int LOWEST = 20_000;
  static final int HIGHEST = 32_000;
  private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

  private FreePorts() {}

  /** A port that nothing on this machine is bound to now, and that this JVM never handed out. */
  public static int find() {
    for (int attempt = 0; attempt < 1_000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(LOWEST, HIGHEST);
      if (!GIVEN.contains(port) && bindable(port) && GIVEN.add(port)) {
        return port;
      }
    }
    throw new UncheckedIOException(new IOException("no free port in " + LOWEST + "-" + HIGHEST));
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
