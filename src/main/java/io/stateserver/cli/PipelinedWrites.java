package io.stateserver.cli;

import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code mirror}'s writes to the new deployment: at most {@link #WINDOW} in flight, within the pace
 * the server announced ({@link Pace}), and each one it defers ({@code rate_limited}, {@code
 * unavailable}) sent again after the delay it names, for as long as the deferral lasts (a database
 * outage there; {@link Deferrals} tells the operator). Writes in flight together must be of
 * different keys, since a deferred one is sent again behind the others: callers {@link #drain()}
 * between writes of one key.
 *
 * <p>The snapshot's writes are plain; every change after it is written only if the key there is
 * still as this mirror's own last write of it left it ({@code ifVersion}): a key somebody else
 * wrote there (a device that moved) is left, and stays left for the rest of the run. For this it
 * remembers the version each key got there (about a hundred bytes per key).
 *
 * <p>Prints one line per write done: {@code {"key","version"}} (plus {@code "deleted":true}), and
 * the same line plus {@code "left":true} per change or prune left; {@code version} is the old
 * deployment's (0 for a prune: the key does not exist there). A refusal that stops the mirror names
 * its key, and the writes in flight with it are still waited for and printed: they may have been
 * committed.
 */
final class PipelinedWrites {
  /**
   * Writes in flight at once: well under the server's default {@code closeAfterRejections} (100 in
   * 10 s), since all of them may be refused together when the budget runs out.
   */
  static final int WINDOW = 32;

  /** In {@link #there}: somebody else wrote the key there; the mirror leaves it alone. */
  private static final long LEFT = -1;

  /** A snapshot write; a prune ({@link #prune}); a change, written conditionally. */
  private enum Kind {
    SNAPSHOT,
    PRUNE,
    CHANGE
  }

  private record Pending(
      Kind kind, long id, JsonObject request, String key, long version, long sentAt, int attempt) {}

  private final WireClient target;
  private final String targetName;
  private final Pace pace;
  private final PrintStream out;
  private final Deque<Pending> inFlight = new ArrayDeque<>();
  // each key's version there after this mirror's last write of it; 0: absent there; LEFT
  private final Map<String, Long> there = new HashMap<>();
  private long pausedAt = Long.MIN_VALUE;
  private int pruned;
  private int changed;
  private int left;

  /**
   * @param targetName the target as the operator knows it, for messages: {@code the target
   *     (--to-url ws://...)}
   * @param err where deferrals that last are reported
   */
  PipelinedWrites(WireClient target, String targetName, PrintStream out, PrintStream err) {
    this.target = target;
    this.targetName = targetName;
    this.pace = Pace.of(target, new Deferrals(targetName, err));
    this.out = out;
  }

  /** The pace of the target connection, for other requests on it. */
  Pace pace() {
    return pace;
  }

  /** A snapshot entry of the old deployment, written whatever the key there holds. */
  void set(String key, Object value, long version) throws WireException, ErrorReply {
    send(Kind.SNAPSHOT, setRequest(key, value), key, version);
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
   * A change frame of the old deployment: its value set, or the key deleted, only if the key there
   * is as this mirror's last write of it left it (absent, when it never wrote it).
   */
  void change(JsonObject change) throws WireException, ErrorReply {
    String key = change.getString("key");
    long version = change.getLong("version");
    long expected = there.getOrDefault(key, 0L);
    if (expected == LEFT) {
      left++;
      print(line(key, version, change.getBoolean("deleted", false)).put("left", true));
    } else if (!change.getBoolean("deleted", false)) {
      send(
          Kind.CHANGE,
          setRequest(key, change.getValue("value")).put("ifVersion", expected),
          key,
          version);
    } else if (expected > 0) {
      send(Kind.CHANGE, deleteRequest(key).put("ifVersion", expected), key, version);
    }
    // else: a deletion of a key absent there has nothing left to do
  }

  /** How many keys {@link #prune} deleted. */
  int pruned() {
    return pruned;
  }

  /** How many changes {@link #change} wrote. */
  int changed() {
    return changed;
  }

  /** How many changes {@link #change} left, because somebody else wrote the key there. */
  int left() {
    return left;
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
   * the queue, for as long as the deferral lasts; a prune of a key already absent counts as done; a
   * prune or a change that meets a key somebody else wrote there leaves it; any other refusal
   * stops, once the replies to the writes sent after it are in.
   */
  private void settle(Pending p) throws WireException, ErrorReply {
    JsonObject reply = target.nextReply(p.id(), target.timeout());
    Long retryAfterMs = Pace.deferredFor(reply);
    if (retryAfterMs != null) {
      pace.deferrals().deferred("writes", reply.getJsonObject("error").getString("code"));
      // one pause for the writes refused together, not one each
      if (p.sentAt() >= pausedAt) {
        pace.deferred();
        Pace.pause(Pace.backoff(retryAfterMs, p.attempt()));
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
    pace.deferrals().over();
    if (!done(p, reply)) {
      awaitInFlight();
      throw ErrorReply.of(reply, p.key()).by(targetName);
    }
  }

  /**
   * Before the mirror stops on a refusal: the writes sent after it may have been committed, and
   * each one that was gets its line. None is sent again, a deferred one gets no line, and only the
   * first refusal is reported.
   */
  private void awaitInFlight() {
    try {
      for (Pending q; (q = inFlight.poll()) != null; ) {
        JsonObject reply = target.nextReply(q.id(), target.timeout());
        if (Pace.deferredFor(reply) == null) {
          done(q, reply);
        }
      }
    } catch (WireException e) {
      // the connection ended: the refusal is still what stops the mirror
    }
  }

  /**
   * Records and prints a reply that is not a deferral.
   *
   * @return false when it is a refusal that stops the mirror
   */
  private boolean done(Pending p, JsonObject reply) {
    boolean delete = "delete".equals(p.request().getString("op"));
    JsonObject line = line(p.key(), p.version(), delete);
    if (!reply.getBoolean("ok", false)) {
      String code = reply.getJsonObject("error", new JsonObject()).getString("code", "");
      boolean absent = delete && code.equals("not_found");
      if (p.kind() == Kind.PRUNE && absent) {
        there.put(p.key(), 0L);
      } else if (p.kind() == Kind.PRUNE && code.equals("version_conflict")) {
        there.put(p.key(), LEFT);
        print(line.put("left", true));
      } else if (p.kind() == Kind.CHANGE && (absent || code.equals("version_conflict"))) {
        there.put(p.key(), LEFT);
        left++;
        print(line.put("left", true));
      } else {
        return false;
      }
      return true;
    }
    if (p.kind() == Kind.PRUNE) {
      pruned++;
    } else if (p.kind() == Kind.CHANGE) {
      changed++;
    }
    if (delete) {
      there.put(p.key(), 0L);
    } else if (reply.getValue("version") instanceof Number v) {
      there.put(p.key(), v.longValue());
    }
    print(line);
    return true;
  }

  /** The line of a write: {@code {"key","version"}}, plus {@code "deleted":true}. */
  private static JsonObject line(String key, long version, boolean deleted) {
    JsonObject line = new JsonObject().put("key", key).put("version", version);
    return deleted ? line.put("deleted", true) : line;
  }

  private void print(JsonObject line) {
    out.println(line.encode());
    out.flush();
  }
}
