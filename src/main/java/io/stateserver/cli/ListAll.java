package io.stateserver.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Every entry under a pattern, read page after page with {@code list} and {@code after}, within the
 * server's announced rate ({@link Pace}).
 */
final class ListAll {
  /** Entries per {@code list} request (the server's default limit). */
  static final int PAGE = 1000;

  private ListAll() {}

  /**
   * @param server the server, as the operator knows it, for a refusal: {@code the target (--to-url
   *     ws://...)}
   * @return each key's entry ({@code {"key","value","version"}}), in the order of the keys' Java
   *     strings (the servers' own order may differ with the database's collation)
   */
  static SortedMap<String, JsonObject> entries(
      WireClient client, Pace pace, String pattern, String server)
      throws WireException, ErrorReply {
    SortedMap<String, JsonObject> all = new TreeMap<>();
    String after = null;
    do {
      JsonObject request =
          new JsonObject().put("op", "list").put("pattern", pattern).put("limit", PAGE);
      if (after != null) {
        request.put("after", after);
      }
      JsonObject reply = ErrorReply.ok(pace.request(client, request, "list requests"), server);
      for (Object e : reply.getJsonArray("entries", new JsonArray())) {
        JsonObject entry = (JsonObject) e;
        all.put(entry.getString("key"), entry);
      }
      after = reply.getString("next");
    } while (after != null);
    return all;
  }
}
