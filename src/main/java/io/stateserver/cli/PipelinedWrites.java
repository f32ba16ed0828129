package io.stateserver.cli;

import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code mirror}'s writes to the new deployment: at most {@link #WINDOW} in flight, within the pace
 * the server announced ({@link Pace}), and each one it defers ({@code rate_limited}, {@code
 * unavailable}) sent again after the delay it names. Writes in flight together must be of different
 * keys, since a deferred one is sent again behind the others: callers {@link #drain()} between
 * writes of one key. Prints one line per write done: {@code {"key","version"}} (plus {@code
 * "deleted":true}), {@code version} being the old deployment's. It remembers the version each key
 * got there from its last write (about a hundred bytes per key), for {@link #late}.
 */
final class PipelinedWrites {
  /**
   * Writes in flight at once: well under the server's default {@code closeAfterRejections} (100 in
   * 10 s), since all of them may be refused together when the budget runs out.
   */
  static final int WINDOW = 32;

  /**
   * A plain write; a prune ({@link #prune}); a late change after the switch-over ({@link #late}).
   */
  private enum Kind {
    WRITE,
    PRUNE,
    LATE
  }

  private record Pending(
      Kind kind, long id, JsonObject request, String key, long version, long sentAt, int attempt) {}

  /** What {@link #late} did: changes written, and changes left because the key changed there. */
  record Late(int written, int left) {}

  private final WireClient target;
  private final Pace pace;
  private final PrintStream out;
  private final Deque<Pending> inFlight = new ArrayDeque<>();
  // each key's version there after this mirror's last write of it; 0: absent there
  private final Map<String, Long> there = new HashMap<>();
  private long pausedAt = Long.MIN_VALUE;
  private int pruned;
  private int leftLate;

  PipelinedWrites(WireClient target, PrintStream out) {
    this.target = target;
    this.pace = Pace.of(target);
    this.out = out;
  }

  /** The pace of the target connection, for other requests on it. */
  Pace pace() {
    return pace;
  }

  void set(String key, Object value, long version) throws WireException, ErrorReply {
    send(Kind.WRITE, setRequest(key, value), key, version);
  }

  void delete(String key, long version) throws WireException, ErrorReply {
    send(Kind.WRITE, deleteRequest(key), key, version);
  }

  private static JsonObject setRequest(String key, Object value) {
    return new JsonObject().put("op", "set").put("key", key).put("value", value);
  }

  private static JsonObject deleteRequest(String key) {
    return new JsonObject().put("op", "delete").put("key", key);
  }

  /**
   * Deletes a key that does not exist on the old deployment, only at the version listed: if it was
   * written since, somebody writes there (a device after the switch-over) and it stays.
   */
  void prune(String key, long listedVersion) throws WireException, ErrorReply {
    send(Kind.PRUNE, deleteRequest(key).put("ifVersion", listedVersion), key, 0);
  }

  /**
   * Writes the late change frames of the old deployment (see {@link LateChanges}), each only if the
   * key there is still as this mirror's last write of it left it, then waits for them all.
   */
  Late late(Collection<JsonObject> changes) throws WireException, ErrorReply {
    int sent = 0;
    for (JsonObject change : changes) {
      String key = change.getString("key");
      long version = change.getLong("version");
      long expected = there.getOrDefault(key, 0L);
      if (!change.getBoolean("deleted", false)) {
        send(
            Kind.LATE,
            setRequest(key, change.getValue("value")).put("ifVersion", expected),
            key,
            version);
        sent++;
      } else if (expected > 0) {
        send(Kind.LATE, deleteRequest(key).put("ifVersion", expected), key, version);
        sent++;
      }
      // a deletion of a key absent there has nothing left to do
    }
    int leftBefore = leftLate;
    drain();
    int left = leftLate - leftBefore;
    return new Late(sent - left, left);
  }

  /** How many keys {@link #prune} deleted. */
  int pruned() {
    return pruned;
  }

  /** A change frame of the old deployment: its value set, or the key deleted. */
  void change(JsonObject change) throws WireException, ErrorReply {
    if (change.getBoolean("deleted", false)) {
      delete(change.getString("key"), change.getLong("version"));
    } else {
      set(change.getString("key"), change.getValue("value"), change.getLong("version"));
    }
  }

  /** Waits until every write sent has succeeded. */
  void drain() throws WireException, ErrorReply {
    while (!inFlight.isEmpty()) {
      settle(inFlight.poll());
    }
  }

  private void send(Kind kind, JsonObject request, String key, long version)
      throws WireException, ErrorReply {
    while (inFlight.size() >= WINDOW) {
      settle(inFlight.poll());
    }
    pace.before(request);
    inFlight.add(
        new Pending(kind, target.send(request), request, key, version, System.nanoTime(), 1));
  }

  /**
   * Waits for a write's reply (replies come in request order). A deferred write goes to the back of
   * the queue, at most {@link Pace#ATTEMPTS} times; a delete of a key already absent counts as
   * done; a prune or a late change that meets a key changed there since is left; any other refusal
   * stops.
   */
  private void settle(Pending p) throws WireException, ErrorReply {
    JsonObject reply = target.nextReply(p.id(), target.timeout());
    boolean delete = "delete".equals(p.request().getString("op"));
    if (!reply.getBoolean("ok", false)) {
      Long retryAfterMs = Pace.deferredFor(reply);
      String code = reply.getJsonObject("error", new JsonObject()).getString("code", "");
      boolean conditional = p.kind() != Kind.WRITE;
      // a delete of a key absent there has its outcome; a key written there since stays
      boolean absent = delete && code.equals("not_found");
      boolean changedThere =
          conditional && (code.equals("version_conflict") || p.kind() == Kind.LATE && absent);
      if (retryAfterMs != null && p.attempt() < Pace.ATTEMPTS) {
        // one pause for the writes refused together, not one each
        if (p.sentAt() >= pausedAt) {
          pace.deferred();
          Pace.pause(retryAfterMs);
          pausedAt = System.nanoTime();
        }
        pace.before(p.request());
        inFlight.add(
            new Pending(
                p.kind(),
                target.send(p.request()),
                p.request(),
                p.key(),
                p.version(),
                System.nanoTime(),
                p.attempt() + 1));
        return;
      }
      if (changedThere) {
        there.remove(p.key());
        leftLate += p.kind() == Kind.LATE ? 1 : 0;
        return;
      }
      if (!absent) {
        throw new ErrorReply(reply);
      }
      there.put(p.key(), 0L);
      return;
    }
    if (p.kind() == Kind.PRUNE) {
      pruned++;
    }
    if (delete) {
      there.put(p.key(), 0L);
    } else if (reply.getValue("version") instanceof Number v) {
      there.put(p.key(), v.longValue());
    }
    JsonObject line = new JsonObject().put("key", p.key()).put("version", p.version());
    if (delete) {
      line.put("deleted", true);
    }
    out.println(line.encode());
    out.flush();
  }
}
