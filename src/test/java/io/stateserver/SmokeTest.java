package io.stateserver;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void errorCodesHaveWireNames() {
    assertThat(io.stateserver.protocol.ErrorCode.VERSION_CONFLICT.wire())
        .isEqualTo("version_conflict");
  }
}
