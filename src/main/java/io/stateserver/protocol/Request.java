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

  /** The value as a long when it is a whole number that fits 64 bits ({@link WholeNumbers}). */
  static Long asWholeNumber(Object v) {
    return WholeNumbers.exact(v);
  }

  private static String missingOr(String field, Object v, String what) {
    return v == null
        ? "field '" + field + "' is required"
        : "field '" + field + "' must be " + what;
  }
}
