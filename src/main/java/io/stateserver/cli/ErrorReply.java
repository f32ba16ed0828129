package io.stateserver.cli;

import io.vertx.core.json.JsonObject;

/** The server answered a request with {@code ok: false}; the tool prints it and exits 1. */
final class ErrorReply extends Exception {
  private final transient JsonObject reply;

  ErrorReply(JsonObject reply) {
    super(reply.getJsonObject("error", new JsonObject()).getString("code", "unknown"));
    this.reply = reply;
  }

  /** The whole reply frame. */
  JsonObject reply() {
    return reply;
  }

  /** The reply, or this exception when it is an error. */
  static JsonObject ok(JsonObject reply) throws ErrorReply {
    if (!reply.getBoolean("ok", false)) {
      throw new ErrorReply(reply);
    }
    return reply;
  }
}
