package io.stateserver.cli;

import io.stateserver.connection.Switchover;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code mirror <pattern> --to-url <ws url> --to-token <jwt>}: runs another deployment in parallel
 * with this one, for a migration. Subscribes to the pattern here ({@code --url}) and makes the
 * state there the same: first the snapshot (every key set there, and every key there that does not
 * exist here deleted), then the changes as they come. It stops by itself, exit 0, when this
 * deployment switches over ({@code $sys/switchover} set: the devices now write there, and what this
 * one does afterwards, such as deleting their ephemeral keys when their old sessions end, must not
 * be copied); it refuses to start once it has. Otherwise it runs until this server closes the
 * connection (a drain: exit 3) or Ctrl-C. See {@link PipelinedWrites} for what it prints.
 *
 * <p>On a cluster, changes of different keys may reach it in another order than they were
 * committed, so a change committed just before the switch-over can arrive after it; and a device
 * may write in the moment before its goaway reaches it. For {@code --settle-ms} after the
 * switch-over it therefore still takes those late changes ({@link LateChanges}), and writes each
 * only if the key is still as it left it there (the version its last write there got: a device that
 * moved may have written it since, and that write stays).
 *
 * <p>After the snapshot it writes a change there only where the key is as its own last write left
 * it, so it never overwrites what somebody else wrote there ({@link PipelinedWrites}).
 *
 * <p>It carries values, not versions (each deployment numbers its own), nor TTLs and ephemeral
 * ties: an expiry or a last will here arrives there as the deletion it is. Changes that queue up
 * while it writes are conflated, the newest per key, and written together, within the rate the
 * other deployment announces. A deferral there ({@code rate_limited}, {@code unavailable}: a
 * database outage or failover) is waited out however long it lasts, with a line on stderr every 30
 * s while it does ({@link Deferrals}); any other refusal there stops it (exit 1), naming the key,
 * so that nothing is left out silently. Run it again after it stops: it starts with a full
 * snapshot.
 */
public final class MirrorCommand {

  static final String USAGE =
      "usage: mirror <pattern> --to-url <ws url> --to-token <jwt> [--settle-ms <ms>] [options]"
          + " (--to-token may come from env STATE_TO_TOKEN)";

  /**
   * How long it takes late changes after a switch-over by default: a broadcast lost between live
   * nodes shows within about 9 to 15 s and is read again from the database right after, with its
   * original stamp (docs/architecture.md, "Lost broadcasts between live nodes").
   */
  static final long SETTLE_MS = 20_000;

  /**
   * Change frames read into one batch at most. The cap is on frames read, not on keys written: a
   * cap on distinct keys would end each batch after as many frames when the changes cycle through
   * more keys than it, and nothing would ever be conflated.
   */
  static final int BATCH = 100_000;

  /** How long the connection here may be silent before the mirror asks for a {@code ping}. */
  static final Duration QUIET = Duration.ofSeconds(30);

  private MirrorCommand() {}

  public static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, System.getenv());
  }

  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    return CommandLine.run(
        USAGE,
        args,
        Set.of("to-url", "to-token", "settle-ms"),
        Set.of(),
        env,
        out,
        err,
        (cli, here) -> {
          String pattern = cli.requirePositional("pattern").get(0);
          CommonOptions there = here.other(cli, env, "to", "STATE_TO_TOKEN");
          Long settleMs = cli.longValue("settle-ms", 0);
          return mirror(
              pattern,
              here,
              there,
              Duration.ofMillis(settleMs == null ? SETTLE_MS : settleMs),
              out,
              err);
        });
  }

  private static int mirror(
      String pattern,
      CommonOptions here,
      CommonOptions there,
      Duration settle,
      PrintStream out,
      PrintStream err) {
    AtomicBoolean stopping = new AtomicBoolean();
    // for messages: which of the two servers refused
    String sourceName = here.named("the source");
    String targetName = there.named("the target");
    try (WireClient source = here.connect();
        WireClient target = there.connect()) {
      // Ctrl-C: close both WebSockets normally
      Thread hook =
          new Thread(
              () -> {
                stopping.set(true);
                source.close();
                target.close();
              },
              "state-mirror-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      PipelinedWrites writes = new PipelinedWrites(target, targetName, out, err);
      Changes changes = new Changes(source);
      try {
        JsonObject switched = switchover(source, sourceName);
        if (switched != null) {
          err.println(
              "error: this deployment has switched over [url: "
                  + switched.getString("url")
                  + "]: mirroring now would overwrite what the devices write there; cancel the"
                  + " switch-over first (DELETE /v1/admin/switchover)");
          return ExitCodes.ERROR_REPLY;
        }
        Set<String> keysHere = snapshot(source, sourceName, pattern, writes, changes, err);
        // every reply in before the list request, which reads past other replies
        writes.drain();
        // a switch-over during the snapshot or the list: prune nothing (devices may write there)
        changes.queuedSoFar();
        Collection<JsonObject> listed =
            changes.switchedOver()
                ? List.of()
                : ListAll.entries(target, writes.pace(), pattern, targetName).values();
        changes.queuedSoFar();
        for (JsonObject entry : changes.switchedOver() ? List.<JsonObject>of() : listed) {
          if (!keysHere.contains(entry.getString("key"))) {
            // only the version listed: a key written there since is somebody's, and stays
            writes.prune(entry.getString("key"), entry.getLong("version"));
          }
        }
        writes.drain();
        err.println(
            "mirrored the snapshot [keys: "
                + keysHere.size()
                + ", removed there: "
                + writes.pruned()
                + "]");
        err.flush();
        return follow(changes, writes, err);
      } catch (SwitchedOver s) {
        err.println(
            "this deployment switched over [url: "
                + s.target().getString("url")
                + "]: taking the changes that arrive late for "
                + settle.toMillis()
                + " ms more");
        err.flush();
        int changedBefore = writes.changed();
        LateChanges.follow(
            changes::nextLate,
            s.frame(),
            settle,
            late -> {
              for (JsonObject change : late) {
                writes.change(change);
              }
              writes.drain();
            });
        err.println(
            "the mirror stops, the devices now write there [late changes written: "
                + (writes.changed() - changedBefore)
                + ", changes left because somebody else wrote the key there: "
                + writes.left()
                + "]");
        err.flush();
        return ExitCodes.OK;
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the JVM is exiting (Ctrl-C); the hook is running or has run
        }
      }
    } catch (WireException e) {
      if (!stopping.get()) {
        err.println("error: " + e.getMessage());
      }
      return ExitCodes.CONNECTION;
    } catch (ErrorReply e) {
      e.print(err);
      return ExitCodes.ERROR_REPLY;
    }
  }

  /** This deployment switched over while the mirror ran: it stops, its work done. */
  private static final class SwitchedOver extends Exception {
    private final transient JsonObject frame;

    SwitchedOver(JsonObject frame) {
      super("switched over", null, false, false);
      this.frame = frame;
    }

    /** The change frame that set the switch-over. */
    JsonObject frame() {
      return frame;
    }

    /** The switch-over: where the devices go. */
    JsonObject target() {
      return frame.getJsonObject("value");
    }
  }

  /** Whether a change frame sets the switch-over. */
  private static boolean switchingOver(JsonObject change) {
    return Switchover.KEY.equals(change.getString("key")) && !change.getBoolean("deleted", false);
  }

  /**
   * The change frames from here, in order: those read early (during the snapshot and the prune)
   * first, then the connection's. A switch-over read early ends them after the changes before it
   * (those were written here before the switch-over, and still go); so does an end of the
   * connection. The frames read early after a switch-over are kept for {@link #nextLate}.
   */
  private static final class Changes {
    private final WireClient source;
    private final Deque<JsonObject> early = new ArrayDeque<>();
    private final Deque<JsonObject> afterSwitch = new ArrayDeque<>();
    private JsonObject switched;
    private WireException ended;

    Changes(WireClient source) {
      this.source = source;
    }

    /** A change read before the mirror follows. */
    void addEarly(JsonObject change) {
      if (switched != null) {
        afterSwitch.add(change);
      } else if (switchingOver(change)) {
        switched = change;
      } else {
        early.add(change);
      }
    }

    /** Whether a switch-over was read early. */
    boolean switchedOver() {
      return switched != null;
    }

    /** Moves the changes that have arrived so far into the early ones. */
    void queuedSoFar() {
      try {
        // nothing after a switch-over: those frames are read as late ones (nextLate)
        for (JsonObject f; switched == null && (f = source.pollFrame()) != null; ) {
          if ("change".equals(f.getString("type"))) {
            addEarly(f);
          }
        }
      } catch (WireException e) {
        ended = e;
      }
    }

    /**
     * The next frame, waiting at most {@code wait} (null: no wait); null when none came.
     *
     * @throws SwitchedOver after the last change before a switch-over read early
     */
    JsonObject next(Duration wait) throws WireException, SwitchedOver {
      if (!early.isEmpty()) {
        return early.poll();
      }
      if (switched != null) {
        throw new SwitchedOver(switched);
      }
      if (ended != null) {
        throw ended;
      }
      return wait == null ? source.pollFrame() : source.nextFrameOrNull(wait);
    }

    /** After a switch-over: the next frame after it, waiting at most {@code wait}, or null. */
    JsonObject nextLate(Duration wait) throws WireException {
      if (!afterSwitch.isEmpty()) {
        return afterSwitch.poll();
      }
      if (ended != null) {
        throw ended;
      }
      return source.nextFrameOrNull(wait);
    }

    /** Asks the server for a sign of life; its reply is a frame like any other. */
    void ping() throws WireException {
      source.send(new JsonObject().put("op", "ping"));
    }
  }

  /**
   * Subscribes here to the switch-over key (admins may; a refusal stops the mirror).
   *
   * @return the switch-over in force now, or null
   */
  private static JsonObject switchover(WireClient source, String sourceName)
      throws WireException, ErrorReply {
    JsonObject reply =
        ErrorReply.ok(
            source.request(new JsonObject().put("op", "sub").put("pattern", Switchover.KEY)),
            sourceName);
    JsonArray entries = reply.getJsonArray("entries", new JsonArray());
    return entries.isEmpty() ? null : entries.getJsonObject(0).getJsonObject("value");
  }

  /**
   * Subscribes here to the pattern and writes each snapshot entry there. The server sends changes
   * only after the last snapshot frame; one of the switch-over's own subscription may come earlier,
   * and is kept for later ({@link Changes#addEarly}).
   *
   * @return the keys of the snapshot
   */
  private static Set<String> snapshot(
      WireClient source,
      String sourceName,
      String pattern,
      PipelinedWrites writes,
      Changes changes,
      PrintStream err)
      throws WireException, ErrorReply {
    long id = source.send(new JsonObject().put("op", "sub").put("pattern", pattern));
    Set<String> keys = new HashSet<>();
    while (true) {
      JsonObject frame = source.nextFrame(source.timeout());
      switch (frame.getString("type", "")) {
        case "reply" -> {
          if (!(frame.getValue("id") instanceof Number n) || n.longValue() != id) {
            continue;
          }
          ErrorReply.ok(frame, sourceName);
          for (Object e : frame.getJsonArray("entries", new JsonArray())) {
            JsonObject entry = (JsonObject) e;
            keys.add(entry.getString("key"));
            writes.set(entry.getString("key"), entry.getValue("value"), entry.getLong("version"));
          }
          if (!frame.getBoolean("more", false)) {
            return keys;
          }
        }
        case "change" -> changes.addEarly(frame);
        case "goaway" -> err.println("goaway: " + frame.encode());
        default -> {
          // other frame types are not for this tool
        }
      }
    }
  }

  /**
   * Writes the changes there as they arrive here: whatever has queued up, the newest per key, in
   * one pipelined batch. Ends when this deployment switches over (what was written here before it
   * still goes; nothing after it) or its connection ends (what was read by then still goes). A
   * quiet connection is asked for a {@code ping} every {@link #QUIET}; two without any frame mean
   * the old deployment is gone without closing (a power cut, a partition).
   */
  private static int follow(Changes changes, PipelinedWrites writes, PrintStream err)
      throws WireException, ErrorReply, SwitchedOver {
    int quiet = 0;
    while (true) {
      JsonObject frame = changes.next(QUIET);
      if (frame == null) {
        if (++quiet >= 2) {
          throw new WireException(
              "no frame from this deployment within " + 2 * QUIET.toSeconds() + " s");
        }
        changes.ping();
        continue;
      }
      quiet = 0;
      Map<String, JsonObject> newest = new LinkedHashMap<>();
      boolean switched = false;
      Exception ended = null;
      int read = 0;
      while (frame != null) {
        read++;
        switch (frame.getString("type", "")) {
          case "change" -> {
            switched = switchingOver(frame);
            if (!switched && !Switchover.KEY.equals(frame.getString("key"))) {
              newest.put(frame.getString("key"), frame);
            }
          }
          case "goaway" -> err.println("goaway: " + frame.encode());
          default -> {
            // replies (to the pings), hello: not for this tool
          }
        }
        if (switched || read >= BATCH) {
          break;
        }
        try {
          frame = changes.next(null);
        } catch (WireException | SwitchedOver e) {
          // the batch read so far still goes
          ended = e;
          frame = null;
        }
      }
      // one write per key in flight: the writes of one batch may go in any order
      for (JsonObject change : newest.values()) {
        writes.change(change);
      }
      writes.drain();
      if (switched) {
        throw new SwitchedOver(frame);
      }
      if (ended instanceof SwitchedOver s) {
        throw s;
      }
      if (ended != null) {
        throw (WireException) ended;
      }
    }
  }
}
