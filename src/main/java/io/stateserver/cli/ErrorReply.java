package io.stateserver.cli;

import io.vertx.core.json.JsonObject;
import java.io.PrintStream;

/**
 * The server answered a request with {@code ok: false}; the tool prints it and exits 1. A tool that
 * talks to two servers, or writes many keys, says which server refused and which key: the reply
 * itself names neither.
 */
final class ErrorReply extends Exception {
  private final transient JsonObject reply;
  private final String server;
  private final String key;

  ErrorReply(JsonObject reply) {
    this(reply, null, null);
  }

  private ErrorReply(JsonObject reply, String server, String key) {
    super(reply.getJsonObject("error", new JsonObject()).getString("code", "unknown"));
    this.reply = reply;
    this.server = server;
    this.key = key;
  }

  /** A refusal of a request about {@code key}. */
  static ErrorReply of(JsonObject reply, String key) {
    return new ErrorReply(reply, null, key);
  }

  /** This refusal, named as {@code server}'s ({@code the target (--to-url ws://...)}). */
  ErrorReply by(String server) {
    return this.server != null ? this : new ErrorReply(reply, server, key);
  }

  /** The whole reply frame. */
  JsonObject reply() {
    return reply;
  }

  /** Prints the refusal: the reply's error, then which server refused and which key. */
  void print(PrintStream err) {
    StringBuilder where = new StringBuilder();
    if (server != null) {
      where.append("refused by: ").append(server);
    }
    if (key != null) {
      where.append(where.isEmpty() ? "" : ", ").append("key: ").append(key);
    }
    Replies.printError(reply, where.isEmpty() ? null : "[" + where + "]", err);
  }

  /** The reply, or this exception when it is an error. */
  static JsonObject ok(JsonObject reply) throws ErrorReply {
    return ok(reply, null);
  }

  /** The reply, or this exception, named as {@code server}'s, when it is an error. */
  static JsonObject ok(JsonObject reply, String server) throws ErrorReply {
    if (!reply.getBoolean("ok", false)) {
      throw new ErrorReply(reply, server, null);
    }
    return reply;
  }
}
