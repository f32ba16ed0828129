package io.stateserver.protocol;

import io.stateserver.state.ChangeEvent;
import io.stateserver.state.StoredEntry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * Encodes server-to-client frames. Values are stored as JSON text and spliced into frames as they
 * are, so a value is never decoded and re-encoded on the way out.
 */
public final class Frames {
  private Frames() {}

  public static Buffer hello(String session, String node, String client, JsonObject limits) {
    return new JsonObject()
        .put("type", "hello")
        .put("protocol", 1)
        .put("session", session)
        .put("node", node)
        .put("client", client)
        .put("limits", limits)
        .toBuffer();
  }

  /** A change frame; identical bytes for every subscriber, so it is built once per node. */
  public static Buffer change(ChangeEvent e) {
    StringBuilder sb = new StringBuilder(96 + (e.valueJson() == null ? 0 : e.valueJson().length()));
    sb.append("{\"type\":\"change\",\"key\":").append(Json.encode(e.key()));
    sb.append(",\"version\":").append(e.version());
    if (e.deleted()) {
      sb.append(",\"deleted\":true");
    } else {
      sb.append(",\"value\":").append(e.valueJson());
    }
    sb.append(",\"ts\":").append(e.ts());
    sb.append(",\"by\":").append(Json.encode(e.by())).append('}');
    return utf8(sb);
  }

  /** A successful reply; {@code fields} are added after {@code type}, {@code id}, {@code ok}. */
  public static Buffer ok(Object id, JsonObject fields) {
    JsonObject reply = replyHead(id, true);
    if (fields != null) {
      fields.forEach(e -> reply.put(e.getKey(), e.getValue()));
    }
    return reply.toBuffer();
  }

  public static Buffer error(Object id, StateException error) {
    return replyHead(id, false).put("error", error.toErrorJson()).toBuffer();
  }

  public static Buffer goaway(String reason, long reconnectMs, String url) {
    JsonObject json =
        new JsonObject()
            .put("type", "goaway")
            .put("reason", reason)
            .put("reconnectMs", reconnectMs);
    if (url != null) {
      json.put("url", url);
    }
    return json.toBuffer();
  }

  /** One entry {@code {"key":..,"value":..,"version":..}} as JSON text (value spliced raw). */
  public static String entry(StoredEntry e) {
    return "{\"key\":"
        + Json.encode(e.key())
        + ",\"value\":"
        + e.valueJson()
        + ",\"version\":"
        + e.version()
        + "}";
  }

  /**
   * A reply whose fields include raw JSON fragments: {@code head} holds the ordinary fields and
   * {@code rawFields} are appended verbatim as {@code "name": <raw json>} pairs.
   */
  public static Buffer okWithRaw(Object id, JsonObject head, String... rawFields) {
    String base = ok(id, head).toString(StandardCharsets.UTF_8);
    StringBuilder sb = new StringBuilder(base.length() + 64);
    sb.append(base, 0, base.length() - 1);
    for (int i = 0; i + 1 < rawFields.length; i += 2) {
      sb.append(",\"").append(rawFields[i]).append("\":").append(rawFields[i + 1]);
    }
    sb.append('}');
    return utf8(sb);
  }

  private static JsonObject replyHead(Object id, boolean ok) {
    return new JsonObject().put("type", "reply").put("id", id).put("ok", ok);
  }

  private static Buffer utf8(CharSequence s) {
    return Buffer.buffer(s.toString().getBytes(StandardCharsets.UTF_8));
  }
}
