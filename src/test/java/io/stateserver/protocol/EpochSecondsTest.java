package io.stateserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class EpochSecondsTest {
  @Test
  void wholeNumbersThatFitALongAreTakenAsTheyAre() {
    assertThat(EpochSeconds.exact(1_700_000_000)).isEqualTo(1_700_000_000L);
    assertThat(EpochSeconds.exact(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    assertThat(EpochSeconds.exact(Long.MIN_VALUE)).isEqualTo(Long.MIN_VALUE);
    assertThat(EpochSeconds.exact(1.7e9)).isEqualTo(1_700_000_000L);
    assertThat(EpochSeconds.exact(new BigInteger("9223372036854775807"))).isEqualTo(Long.MAX_VALUE);
    assertThat(EpochSeconds.exact(new BigDecimal("1700000000.000"))).isEqualTo(1_700_000_000L);
  }

  @Test
  void numbersBeyondALongFractionsAndInfinityHaveNoExactValue() {
    // longValue() makes -100 of the first: a revocation "until" then is purged at once
    assertThat(EpochSeconds.exact(new BigInteger("18446744073709551516"))).isNull();
    assertThat(EpochSeconds.exact(new BigInteger("9223372036854775808"))).isNull();
    assertThat(EpochSeconds.exact(new BigInteger("-9223372036854775809"))).isNull();
    assertThat(EpochSeconds.exact(1e300)).isNull();
    assertThat(EpochSeconds.exact(9.3e18)).isNull();
    assertThat(EpochSeconds.exact(1_700_000_000.5)).isNull();
    assertThat(EpochSeconds.exact(Double.POSITIVE_INFINITY)).isNull();
    assertThat(EpochSeconds.exact(Double.NaN)).isNull();
  }

  @Test
  void numbersAsTheJsonParserHandsThemOverAreReadExactly() {
    JsonObject parsed =
        new JsonObject(
            "{\"wrap\": 18446744073709551516, \"huge\": 1e300, \"cut\": 1.5,"
                + " \"whole\": 1700000000, \"max\": 9223372036854775807}");

    assertThat(EpochSeconds.exact(parsed.getNumber("wrap"))).isNull();
    assertThat(EpochSeconds.exact(parsed.getNumber("huge"))).isNull();
    assertThat(EpochSeconds.exact(parsed.getNumber("cut"))).isNull();
    assertThat(EpochSeconds.exact(parsed.getNumber("whole"))).isEqualTo(1_700_000_000L);
    assertThat(EpochSeconds.exact(parsed.getNumber("max"))).isEqualTo(Long.MAX_VALUE);
  }
}
