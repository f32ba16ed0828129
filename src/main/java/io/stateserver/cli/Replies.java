package io.stateserver.cli;

import io.vertx.core.json.JsonObject;
import java.io.PrintStream;

/** Turning reply frames into output and exit codes, and the one-request-one-reply flow. */
final class Replies {

  private Replies() {}

  /** Connects, sends one request, prints its reply, and returns the exit code. */
  static int requestOnce(
      CommonOptions common, JsonObject request, PrintStream out, PrintStream err) {
    try (WireClient client = WireClient.connect(common.url(), common.token(), common.timeout())) {
      return print(client.request(request), out, err);
    } catch (WireException e) {
      err.println("error: " + e.getMessage());
      return ExitCodes.CONNECTION;
    }
  }

  /** Prints the useful part of a reply to {@code out}, or its error to {@code err}. */
  static int print(JsonObject reply, PrintStream out, PrintStream err) {
    if (!reply.getBoolean("ok", false)) {
      printError(reply, err);
      return ExitCodes.ERROR_REPLY;
    }
    out.println(body(reply).encode());
    out.flush();
    return ExitCodes.OK;
  }

  /** The reply without its envelope ({@code type}, {@code id}, {@code ok}). */
  static JsonObject body(JsonObject reply) {
    JsonObject body = reply.copy();
    body.remove("type");
    body.remove("id");
    body.remove("ok");
    return body;
  }

  /**
   * {@code <code>: <message>}, then any further fields of the error as JSON (the current version of
   * a {@code version_conflict}, {@code retryAfterMs} of {@code rate_limited}).
   */
  static void printError(JsonObject reply, PrintStream err) {
    printError(reply, null, err);
  }

  /** As {@link #printError(JsonObject, PrintStream)}, then {@code context} when not null. */
  static void printError(JsonObject reply, String context, PrintStream err) {
    JsonObject error = reply.getJsonObject("error", new JsonObject());
    JsonObject details = error.copy();
    details.remove("code");
    details.remove("message");
    err.println(
        error.getString("code", "unknown")
            + ": "
            + error.getString("message", "(no message)")
            + (details.isEmpty() ? "" : " " + details.encode())
            + (context == null ? "" : " " + context));
    err.flush();
  }
}
