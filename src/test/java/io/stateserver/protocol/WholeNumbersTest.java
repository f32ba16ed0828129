package io.stateserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class WholeNumbersTest {
  @Test
  void wholeNumbersThatFitALongAreTakenAsTheyAre() {
    assertThat(WholeNumbers.exact(1_700_000_000)).isEqualTo(1_700_000_000L);
    assertThat(WholeNumbers.exact(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    assertThat(WholeNumbers.exact(Long.MIN_VALUE)).isEqualTo(Long.MIN_VALUE);
    assertThat(WholeNumbers.exact(1.7e9)).isEqualTo(1_700_000_000L);
    assertThat(WholeNumbers.exact(new BigInteger("9223372036854775807"))).isEqualTo(Long.MAX_VALUE);
    assertThat(WholeNumbers.exact(new BigDecimal("1700000000.000"))).isEqualTo(1_700_000_000L);
  }

  @Test
  void numbersBeyondALongFractionsAndInfinityHaveNoExactValue() {
    // longValue() makes -100 of the first: a revocation "until" then is purged at once
    assertThat(WholeNumbers.exact(new BigInteger("18446744073709551516"))).isNull();
    assertThat(WholeNumbers.exact(new BigInteger("9223372036854775808"))).isNull();
    assertThat(WholeNumbers.exact(new BigInteger("-9223372036854775809"))).isNull();
    assertThat(WholeNumbers.exact(1e300)).isNull();
    assertThat(WholeNumbers.exact(9.3e18)).isNull();
    assertThat(WholeNumbers.exact(1_700_000_000.5)).isNull();
    assertThat(WholeNumbers.exact(Double.POSITIVE_INFINITY)).isNull();
    assertThat(WholeNumbers.exact(Double.NaN)).isNull();
  }

  @Test
  void numbersAsTheJsonParserHandsThemOverAreReadExactly() {
    JsonObject parsed =
        new JsonObject(
            "{\"wrap\": 18446744073709551516, \"huge\": 1e300, \"cut\": 1.5,"
                + " \"whole\": 1700000000, \"max\": 9223372036854775807}");

    assertThat(WholeNumbers.exact(parsed.getNumber("wrap"))).isNull();
    assertThat(WholeNumbers.exact(parsed.getNumber("huge"))).isNull();
    assertThat(WholeNumbers.exact(parsed.getNumber("cut"))).isNull();
    assertThat(WholeNumbers.exact(parsed.getNumber("whole"))).isEqualTo(1_700_000_000L);
    assertThat(WholeNumbers.exact(parsed.getNumber("max"))).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void anIdWhoseExponentHasMoreDigitsThanADecimalTakesIsABadRequestNotACrash() {
    // found by RequestParserFuzzTest: re-reading it exactly threw a NumberFormatException
    assertThatThrownBy(
            () -> RequestParser.parse("{\"op\":\"get\",\"id\":1e40010000000,\"key\":\"a\"}", 64))
        .isInstanceOfSatisfying(
            RequestParser.Rejected.class,
            r -> assertThat(r.error().code()).isEqualTo(ErrorCode.BAD_REQUEST));
  }
}
