package io.stateserver.session;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Builds the value of {@code $sys/clients/<client id>} (PROTOCOL.md section 4) from the client's
 * sessions.
 */
public final class PresenceValue {
  private PresenceValue() {}

  /**
   * The presence value: {@code online} when any session has not ended, {@code connections} the open
   * connections across the cluster, {@code since} the time {@code online} last changed (kept from
   * the current value when it did not change now), {@code lastSeen} now.
   *
   * @param currentJson the current value, or null when the key does not exist
   * @param sessions every session of the client
   * @param now epoch ms
   * @return the new value as JSON text
   */
  public static String compute(String currentJson, List<SessionRow> sessions, long now) {
    boolean online = sessions.stream().anyMatch(SessionRow::live);
    long connections = sessions.stream().filter(SessionRow::openConnection).count();
    JsonObject current = parseObject(currentJson);
    long since = now;
    if (current != null
        && current.getValue("online") instanceof Boolean wasOnline
        && wasOnline == online
        && current.getValue("since") instanceof Number previousSince) {
      since = previousSince.longValue();
    }
    return new JsonObject()
        .put("online", online)
        .put("connections", connections)
        .put("since", since)
        .put("lastSeen", now)
        .encode();
  }

  private static JsonObject parseObject(String json) {
    if (json == null) {
      return null;
    }
    try {
      return Json.decodeValue(json) instanceof JsonObject o ? o : null;
    } catch (DecodeException e) {
      return null;
    }
  }
}
