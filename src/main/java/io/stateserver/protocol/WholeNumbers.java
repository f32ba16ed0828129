package io.stateserver.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The integer fields of a request ({@code id}, {@code ifVersion}, {@code ttlMs}, {@code limit} and
 * the versions in {@code known}), read as the number the client wrote: a literal with no fraction
 * counts as that integer however it is written ({@code 100}, {@code 1e2}, {@code 1.0}, {@code
 * 1E17}), when it fits 64 bits.
 *
 * <p>The JSON parser reads a literal with a fraction or an exponent as a double, which holds every
 * integer only up to 2^53: {@code 9007199254740993.0} would read as {@code 9007199254740992} and
 * {@code 1.0000000000000000001} as {@code 1}, another id or version than the one sent. So such a
 * field is read once more from the text, exactly ({@link #readExactly}), and judged as written.
 */
public final class WholeNumbers {
  /** The top-level fields that hold integers; {@code known} holds them one level down. */
  private static final Set<String> INTEGER_FIELDS = Set.of("id", "ifVersion", "ttlMs", "limit");

  private static final String KNOWN = "known";

  private WholeNumbers() {}

  private static final BigDecimal MIN = BigDecimal.valueOf(Long.MIN_VALUE);
  private static final BigDecimal MAX = BigDecimal.valueOf(Long.MAX_VALUE);

  /**
   * The value as a long when it is a whole number that fits 64 bits, exactly; otherwise (a
   * fraction, beyond 64 bits, not finite, not a number) null. {@link Number#longValue()} is no way
   * to read one: a number beyond a long arrives as a {@link BigInteger} and wraps
   * (18446744073709551516 becomes -100), a double beyond it saturates, and a fraction is cut
   * without a word.
   */
  public static Long exact(Object v) {
    return v instanceof Number n ? rounded(n, RoundingMode.UNNECESSARY) : null;
  }

  /**
   * The number rounded to a whole number with {@code mode} (a JWT's times, which may have a
   * fraction); null when it is beyond 64 bits or not finite, and, with {@link
   * RoundingMode#UNNECESSARY}, when it has a fraction.
   */
  public static Long rounded(Number number, RoundingMode mode) {
    if (number instanceof Long
        || number instanceof Integer
        || number instanceof Short
        || number instanceof Byte) {
      return number.longValue();
    }
    BigDecimal decimal = decimal(number);
    // compared first: cheap even for 1e-999999999 or 1e999999999, and rounding cannot leave it
    if (decimal == null || decimal.compareTo(MIN) < 0 || decimal.compareTo(MAX) > 0) {
      return null;
    }
    try {
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

  /**
   * Replaces, in {@code body} (parsed from {@code text}), each integer field the parser read as a
   * double with the exact decimal its literal writes. Most requests hold none and are not read
   * again. A field named twice counts as JSON objects count it: the last one.
   */
  static void readExactly(String text, JsonObject body) {
    if (!holdsDoubles(body)) {
      return;
    }
    Map<String, BigDecimal> fields = new HashMap<>();
    Map<String, BigDecimal> known = null;
    try (JsonParser parser = JacksonCodec.createParser(text)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken token = parser.nextToken();
        if (INTEGER_FIELDS.contains(name)) {
          if (token == JsonToken.VALUE_NUMBER_FLOAT) {
            fields.put(name, parser.getDecimalValue());
          } else {
            fields.remove(name);
          }
        } else if (KNOWN.equals(name)) {
          known = token == JsonToken.START_OBJECT ? floatsOf(parser) : null;
        }
        parser.skipChildren();
      }
    } catch (IOException | RuntimeException e) {
      // the text was parsed once already, so only a literal no decimal holds (an exponent of more
      // digits than Jackson reads: 1e40010000000): the doubles stay, judged as doubles
      return;
    }
    fields.forEach(body::put);
    if (known != null && body.getValue(KNOWN) instanceof JsonObject k) {
      known.forEach(k::put);
    }
  }

  /** The float literals of the object the parser is at the start of; leaves it at its end. */
  private static Map<String, BigDecimal> floatsOf(JsonParser parser) throws IOException {
    Map<String, BigDecimal> floats = new HashMap<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String key = parser.currentName();
      if (parser.nextToken() == JsonToken.VALUE_NUMBER_FLOAT) {
        floats.put(key, parser.getDecimalValue());
      } else {
        floats.remove(key);
        parser.skipChildren();
      }
    }
    return floats;
  }

  private static boolean holdsDoubles(JsonObject body) {
    for (String field : INTEGER_FIELDS) {
      if (isDouble(body.getValue(field))) {
        return true;
      }
    }
    if (body.getValue(KNOWN) instanceof JsonObject known) {
      for (Map.Entry<String, Object> e : known) {
        if (isDouble(e.getValue())) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean isDouble(Object v) {
    return v instanceof Double || v instanceof Float;
  }
}
