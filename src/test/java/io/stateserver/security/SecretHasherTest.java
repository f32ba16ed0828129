package io.stateserver.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretHasherTest {
  /** Few iterations keep most tests fast; one test checks the production work factor. */
  private final SecretHasher fast = new SecretHasher(1_000);

  @Test
  void hashOfASecretMatchesThatSecret() {
    String secret = SecretHasher.randomSecret();
    assertThat(fast.matches(secret, fast.hash(secret))).isTrue();
  }

  @Test
  void wrongSecretDoesNotMatch() {
    String hash = fast.hash("correct horse battery staple");
    assertThat(fast.matches("correct horse battery stapler", hash)).isFalse();
    assertThat(fast.matches("", hash)).isFalse();
    assertThat(fast.matches(null, hash)).isFalse();
  }

  @Test
  void sameSecretHashedTwiceGetsDifferentSaltsAndHashes() {
    String a = fast.hash("s3cret");
    String b = fast.hash("s3cret");
    assertThat(a).isNotEqualTo(b);
    assertThat(SecretHasher.Encoded.parse(a).salt())
        .isNotEqualTo(SecretHasher.Encoded.parse(b).salt());
    assertThat(fast.matches("s3cret", a)).isTrue();
    assertThat(fast.matches("s3cret", b)).isTrue();
  }

  @Test
  void encodedHashNamesAlgorithmIterationsSaltAndHash() {
    String encoded = new SecretHasher().hash("s3cret");
    String[] parts = encoded.split("\\$");
    assertThat(parts).hasSize(4);
    assertThat(parts[0]).isEqualTo("pbkdf2-sha256");
    assertThat(Integer.parseInt(parts[1])).isGreaterThanOrEqualTo(600_000);
    assertThat(Base64.getDecoder().decode(parts[2])).hasSize(16);
    assertThat(Base64.getDecoder().decode(parts[3])).hasSize(32);
  }

  @Test
  void hashKeepsItsOwnWorkFactorSoOldHashesStillVerifyAfterRaisingIt() {
    String old = fast.hash("s3cret");
    SecretHasher stronger = new SecretHasher(2_000);
    assertThat(stronger.matches("s3cret", old)).isTrue();
    assertThat(stronger.needsRehash(old)).isTrue();
    assertThat(stronger.needsRehash(stronger.hash("s3cret"))).isFalse();
  }

  @Test
  void malformedHashesMatchNothing() {
    assertThat(fast.matches("x", null)).isFalse();
    assertThat(fast.matches("x", "")).isFalse();
    assertThat(fast.matches("x", "bcrypt$10$abc$def")).isFalse();
    assertThat(fast.matches("x", "pbkdf2-sha256$notanumber$AAAA$AAAA")).isFalse();
    assertThat(fast.matches("x", "pbkdf2-sha256$1000$!!!$AAAA")).isFalse();
  }

  @Test
  void matchesNothingIsFalseForAnySecret() {
    assertThat(fast.matchesNothing("anything")).isFalse();
    assertThat(fast.matchesNothing(null)).isFalse();
  }

  @Test
  void randomSecretsAreLongAndDistinct() {
    String a = SecretHasher.randomSecret();
    assertThat(a).hasSize(43).matches("[A-Za-z0-9_-]+");
    assertThat(SecretHasher.randomSecret()).isNotEqualTo(a);
  }
}
