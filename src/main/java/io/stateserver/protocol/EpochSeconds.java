package io.stateserver.protocol;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * Epoch seconds read from a JSON number. {@link Number#longValue()} is no way to read them: a
 * number beyond a long arrives as a {@link BigInteger} and wraps (18446744073709551516 becomes
 * -100), a double beyond it saturates, and a fraction is cut without a word, so a time far in the
 * future can turn into one in the past.
 */
public final class EpochSeconds {
  private static final BigDecimal MIN = BigDecimal.valueOf(Long.MIN_VALUE);
  private static final BigDecimal MAX = BigDecimal.valueOf(Long.MAX_VALUE);

  private EpochSeconds() {}

  /**
   * The number, when it is a whole number that fits a long; {@code null} for a fraction, a number
   * out of the range of a long, or an infinite one ({@code 1e400} parses to infinity).
   */
  public static Long exact(Number number) {
    return rounded(number, RoundingMode.UNNECESSARY);
  }

  /**
   * The number rounded to whole seconds with {@code mode}; {@code null} when it is out of the range
   * of a long or not finite, and, with {@link RoundingMode#UNNECESSARY}, when it has a fraction.
   */
  public static Long rounded(Number number, RoundingMode mode) {
    if (number instanceof Long
        || number instanceof Integer
        || number instanceof Short
        || number instanceof Byte) {
      return number.longValue();
    }
    BigDecimal decimal = decimal(number);
    if (decimal == null || decimal.compareTo(MIN) < 0 || decimal.compareTo(MAX) > 0) {
      return null;
    }
    try {
      // within the range of a long, so that rounding cannot leave it
      return decimal.setScale(0, mode).longValueExact();
    } catch (ArithmeticException e) {
      return null; // a fraction, with RoundingMode.UNNECESSARY
    }
  }

  private static BigDecimal decimal(Number number) {
    if (number instanceof BigDecimal d) {
      return d;
    }
    if (number instanceof BigInteger i) {
      return new BigDecimal(i);
    }
    if (number instanceof Double || number instanceof Float) {
      double d = number.doubleValue();
      return Double.isFinite(d) ? new BigDecimal(d) : null;
    }
    try {
      return new BigDecimal(number.toString());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
