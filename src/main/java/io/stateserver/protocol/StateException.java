package io.stateserver.protocol;

import io.vertx.core.json.JsonObject;

/**
 * A failure with a protocol error code and a human message. Carries optional extra fields that the
 * protocol puts beside the code (e.g. {@code version} for a conflict, {@code retryAfterMs}). It has
 * no stack trace: it is an expected outcome, not a bug, and nothing of it but code, message and
 * details ever reaches a client.
 */
public final class StateException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final JsonObject details;

  public StateException(ErrorCode code, String message) {
    this(code, message, new JsonObject());
  }

  public StateException(ErrorCode code, String message, JsonObject details) {
    super(message, null, false, false);
    this.code = code;
    this.details = details == null ? new JsonObject() : details;
  }

  public ErrorCode code() {
    return code;
  }

  /** Extra fields of the error object, e.g. {@code {"version": 3}}. Never null. */
  public JsonObject details() {
    return details;
  }

  public static StateException badRequest(String message) {
    return new StateException(ErrorCode.BAD_REQUEST, message);
  }

  public static StateException versionConflict(long currentVersion) {
    return new StateException(
        ErrorCode.VERSION_CONFLICT,
        "version mismatch",
        new JsonObject().put("version", currentVersion));
  }

  /** The error object of a reply: {@code {"code": ..., "message": ..., <details>}}. */
  public JsonObject toErrorJson() {
    JsonObject json = new JsonObject().put("code", code.wire()).put("message", getMessage());
    details.forEach(e -> json.put(e.getKey(), e.getValue()));
    return json;
  }
}
