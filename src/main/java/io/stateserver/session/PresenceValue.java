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
   * the current value when it did not change now), {@code lastSeen} when the client last had a
   * connection: now while it has one, otherwise when its last connection closed ({@link
   * #lastSeen}).
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
        .put("lastSeen", connections > 0 ? now : lastSeen(current, sessions, now))
        .encode();
  }

  /**
   * For a client without a connection: the latest time one of its connections was recorded as
   * closed, never earlier than the value's current {@code lastSeen} (ended sessions are pruned in
   * time) nor later than now. A presence update can come a grace after the close (the session's
   * end), so "now" would be when the server gave up waiting, not when the client was last there.
   * For a connection on a node that crashed, the close is recorded when the crash is noticed (the
   * node's lease ran out, or it restarted), so it is late by up to a lease.
   */
  private static long lastSeen(JsonObject current, List<SessionRow> sessions, long now) {
    long latest = Long.MIN_VALUE;
    for (SessionRow session : sessions) {
      if (session.disconnectedAt() != null) {
        latest = Math.max(latest, session.disconnectedAt());
      }
    }
    if (current != null && current.getValue("lastSeen") instanceof Number previous) {
      latest = Math.max(latest, previous.longValue());
    }
    return latest == Long.MIN_VALUE ? now : Math.min(latest, now);
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
