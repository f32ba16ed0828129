package io.stateserver.protocol;

/**
 * The protocol's error vocabulary (PROTOCOL.md section 5). Every failure inside the server carries
 * one of these; the edges (WebSocket frames, HTTP responses) map it exactly once.
 */
public enum ErrorCode {
  BAD_REQUEST("bad_request", 400),
  UNKNOWN_OP("unknown_op", 400),
  INVALID_KEY("invalid_key", 400),
  INVALID_PATTERN("invalid_pattern", 400),
  TOO_LARGE("too_large", 413),
  NOT_FOUND("not_found", 404),
  VERSION_CONFLICT("version_conflict", 412),
  UNAUTHORIZED("unauthorized", 401),
  FORBIDDEN("forbidden", 403),
  RATE_LIMITED("rate_limited", 429),
  LIMIT_EXCEEDED("limit_exceeded", 429),
  UNAVAILABLE("unavailable", 503),
  INTERNAL("internal", 500);

  private final String wire;
  private final int httpStatus;

  ErrorCode(String wire, int httpStatus) {
    this.wire = wire;
    this.httpStatus = httpStatus;
  }

  /** The code as it appears on the wire, e.g. {@code version_conflict}. */
  public String wire() {
    return wire;
  }

  /** The HTTP status this code maps to at the HTTP edge. */
  public int httpStatus() {
    return httpStatus;
  }

  public static ErrorCode fromWire(String wire) {
    for (ErrorCode c : values()) {
      if (c.wire.equals(wire)) {
        return c;
      }
    }
    return INTERNAL;
  }
}
