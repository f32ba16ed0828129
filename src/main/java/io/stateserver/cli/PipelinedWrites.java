package io.stateserver.cli;

import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * {@code mirror}'s writes to the new deployment: at most {@link #WINDOW} in flight, within the pace
 * the server announced ({@link Pace}), and each one it defers ({@code rate_limited}, {@code
 * unavailable}) sent again after the delay it names. Writes in flight together must be of different
 * keys, since a deferred one is sent again behind the others: callers {@link #drain()} between
 * writes of one key. Prints one line per write done: {@code {"key","version"}} (plus {@code
 * "deleted":true}), {@code version} being the old deployment's.
 */
final class PipelinedWrites {
  /**
   * Writes in flight at once: well under the server's default {@code closeAfterRejections} (100 in
   * 10 s), since all of them may be refused together when the budget runs out.
   */
  static final int WINDOW = 32;

  private record Pending(
      long id, JsonObject request, String key, long version, long sentAt, int attempt) {}

  private final WireClient target;
  private final Pace pace;
  private final PrintStream out;
  private final Deque<Pending> inFlight = new ArrayDeque<>();
  private long pausedAt = Long.MIN_VALUE;
  private int pruned;

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
    send(new JsonObject().put("op", "set").put("key", key).put("value", value), key, version);
  }

  void delete(String key, long version) throws WireException, ErrorReply {
    send(new JsonObject().put("op", "delete").put("key", key), key, version);
  }

  /**
   * Deletes a key that does not exist on the old deployment, only at the version listed: if it was
   * written since, somebody writes there (a device after the switch-over) and it stays.
   */
  void prune(String key, long listedVersion) throws WireException, ErrorReply {
    send(
        new JsonObject().put("op", "delete").put("key", key).put("ifVersion", listedVersion),
        key,
        0);
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

  private void send(JsonObject request, String key, long version) throws WireException, ErrorReply {
    while (inFlight.size() >= WINDOW) {
      settle(inFlight.poll());
    }
    pace.before(request);
    inFlight.add(new Pending(target.send(request), request, key, version, System.nanoTime(), 1));
  }

  /**
   * Waits for a write's reply (replies come in request order). A deferred write goes to the back of
   * the queue, at most {@link Pace#ATTEMPTS} times; a delete of a key already absent counts as
   * done; any other refusal stops.
   */
  private void settle(Pending p) throws WireException, ErrorReply {
    JsonObject reply = target.nextReply(p.id(), target.timeout());
    boolean delete = "delete".equals(p.request().getString("op"));
    if (!reply.getBoolean("ok", false)) {
      Long retryAfterMs = Pace.deferredFor(reply);
      String code = reply.getJsonObject("error", new JsonObject()).getString("code", "");
      boolean prune = p.request().containsKey("ifVersion");
      // a delete of a key absent there has its outcome; a prune of a key written since stays
      boolean skipped =
          delete && (code.equals("not_found") || prune && code.equals("version_conflict"));
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
                target.send(p.request()),
                p.request(),
                p.key(),
                p.version(),
                System.nanoTime(),
                p.attempt() + 1));
        return;
      }
      if (!skipped) {
        throw new ErrorReply(reply);
      }
      return;
    }
    if (p.request().containsKey("ifVersion")) {
      pruned++;
    }
    JsonObject line = new JsonObject().put("key", p.key()).put("version", p.version());
    if (delete) {
      line.put("deleted", true);
    }
    out.println(line.encode());
    out.flush();
  }
}
