package io.stateserver.protocol;

import io.vertx.core.json.JsonObject;

/**
 * One decoded client request: {@code {"op": ..., "id": ..., ...}}. Field accessors validate types
 * and throw {@link StateException} with {@code bad_request} naming the field, so handlers read
 * fields without repeating checks.
 *
 * @param op the operation name
 * @param id the request id (a {@code String} or {@code Long}), or null when absent
 * @param body the whole request object
 */
public record Request(String op, Object id, JsonObject body) {

  public String requireString(String field) {
    Object v = body.getValue(field);
    if (!(v instanceof String s)) {
      throw StateException.badRequest(missingOr(field, v, "a string"));
    }
    return s;
  }

  public String optionalString(String field) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw StateException.badRequest("field '" + field + "' must be a string");
    }
    return s;
  }

  /** An optional non-negative integer field. */
  public Long optionalNonNegativeLong(String field) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    Long n = asWholeNumber(v);
    if (n == null || n < 0) {
      throw StateException.badRequest("field '" + field + "' must be a non-negative integer");
    }
    return n;
  }

  /** An optional positive integer field. */
  public Long optionalPositiveLong(String field) {
    Long n = optionalNonNegativeLong(field);
    if (n != null && n == 0) {
      throw StateException.badRequest("field '" + field + "' must be a positive integer");
    }
    return n;
  }

  public boolean optionalBoolean(String field) {
    Object v = body.getValue(field);
    if (v == null) {
      return false;
    }
    if (!(v instanceof Boolean b)) {
      throw StateException.badRequest("field '" + field + "' must be a boolean");
    }
    return b;
  }

  public JsonObject optionalObject(String field) {
    Object v = body.getValue(field);
    if (v == null) {
      return null;
    }
    if (!(v instanceof JsonObject o)) {
      throw StateException.badRequest("field '" + field + "' must be an object");
    }
    return o;
  }

  public boolean has(String field) {
    return body.containsKey(field);
  }

  /** The raw JSON value of a field that may hold any JSON value (including null). */
  public Object anyValue(String field) {
    if (!body.containsKey(field)) {
      throw StateException.badRequest("field '" + field + "' is required");
    }
    return body.getValue(field);
  }

  static Long asWholeNumber(Object v) {
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof java.math.BigInteger b && b.bitLength() < 64) {
      return b.longValue();
    }
    if (v instanceof Number n) {
      double d = n.doubleValue();
      if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 9.0e15) {
        return (long) d;
      }
    }
    return null;
  }

  private static String missingOr(String field, Object v, String what) {
    return v == null
        ? "field '" + field + "' is required"
        : "field '" + field + "' must be " + what;
  }
}
