package io.stateserver.security;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientIdsTest {
  @ParameterizedTest
  @ValueSource(strings = {"pi-1", "device_42", "Küche", "a.b", "x"})
  void singleKeySegmentsAreValidIds(String id) {
    assertThat(ClientIds.isValid(id)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a/b", "+", "#", "a+b", "$sys", ".", "..", "tab\there", "nl\n", "/x"})
  void idsThatAreNotOneKeySegmentAreRefused(String id) {
    assertThat(ClientIds.isValid(id)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(ints = {129, 300})
  void overlongIdsAreRefused(int length) {
    assertThat(ClientIds.isValid("a".repeat(length))).isFalse();
    assertThat(ClientIds.isValid("a".repeat(128))).isTrue();
  }
}
