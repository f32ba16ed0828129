package io.stateserver.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class FreePortsTest {

  @Test
  void foundPortCanBeBound() throws IOException {
    int port = FreePorts.find();

    assertThat(port).isBetween(FreePorts.LOWEST, FreePorts.HIGHEST - 1);
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      assertThat(socket.getLocalPort()).isEqualTo(port);
    }
  }

  @Test
  void noPortIsHandedOutTwice() {
    java.util.Set<Integer> ports = new java.util.HashSet<>();
    for (int i = 0; i < 200; i++) {
      assertThat(ports.add(FreePorts.find())).isTrue();
    }
  }
}
