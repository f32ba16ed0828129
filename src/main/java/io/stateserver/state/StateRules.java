package io.stateserver.state;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * The write rules: what one {@link WriteCommand} does to the current row of its key. Pure: no I/O,
 * no clock; the persistence layer locks the row, calls this, and writes {@link Applied#next()}.
 */
public final class StateRules {
  /** The writer recorded for changes the server makes itself (expiry, last will, presence). */
  public static final String SERVER = "$server";

  private StateRules() {}

  /**
   * The outcome of one command.
   *
   * @param next the row after the command (the current row when nothing changed)
   * @param change the change to broadcast, or null when nothing changed
   */
  public record Applied(StoredEntry next, ChangeEvent change) {
    static Applied unchanged(StoredEntry current) {
      return new Applied(current, null);
    }

    static Applied changed(StoredEntry next, long now) {
      return new Applied(
          next,
          new ChangeEvent(
              next.key(), next.version(), next.valueJson(), next.deleted(), now, next.updatedBy()));
    }
  }

  /**
   * Applies a command to the current row of its key.
   *
   * @param current the row, or {@link StoredEntry#absent(String)}
   * @param now epoch ms of the write
   * @param maxValueBytes the largest encoded value, in UTF-8 bytes
   * @throws StateException {@code version_conflict}, {@code not_found}, {@code too_large} or {@code
   *     bad_request}
   * @throws IllegalArgumentException for {@link WriteCommand.RefreshPresence}, whose value comes
   *     from {@link #applyPresence}
   */
  public static Applied apply(StoredEntry current, WriteCommand cmd, long now, int maxValueBytes) {
    if (!current.key().equals(cmd.key())) {
      throw new IllegalArgumentException("row and command are for different keys");
    }
    if (cmd instanceof WriteCommand.Set set) {
      return set(current, set, now, maxValueBytes);
    } else if (cmd instanceof WriteCommand.Patch patch) {
      return patch(current, patch, now, maxValueBytes);
    } else if (cmd instanceof WriteCommand.Delete delete) {
      return delete(current, delete, now);
    } else if (cmd instanceof WriteCommand.Expire expire) {
      boolean due =
          current.exists() && current.expiresAt() != null && current.expiresAt() <= expire.now();
      return due
          ? Applied.changed(tombstone(current, now, SERVER), now)
          : Applied.unchanged(current);
    } else if (cmd instanceof WriteCommand.EndEphemeral end) {
      boolean owned = current.exists() && end.session().equals(current.ownerSession());
      return owned
          ? Applied.changed(tombstone(current, now, SERVER), now)
          : Applied.unchanged(current);
    }
    throw new IllegalArgumentException("use applyPresence for " + cmd);
  }

  /**
   * Writes a freshly computed presence value ({@code $sys/clients/<id>}), keeping no expiry and no
   * owner.
   */
  public static Applied applyPresence(StoredEntry current, String presenceJson, long now) {
    StoredEntry next =
        new StoredEntry(
            current.key(), presenceJson, current.version() + 1, false, now, SERVER, null, null);
    return Applied.changed(next, now);
  }

  private static Applied set(
      StoredEntry current, WriteCommand.Set set, long now, int maxValueBytes) {
    if (set.valueJson() == null) {
      throw StateException.badRequest("missing value");
    }
    checkSize(set.valueJson(), maxValueBytes);
    decode(set.valueJson(), "value");
    if (set.ttlMs() != null && set.ttlMs() <= 0) {
      throw StateException.badRequest("ttlMs must be positive");
    }
    checkVersion(current, set.ifVersion());
    StoredEntry next =
        new StoredEntry(
            current.key(),
            set.valueJson(),
            current.version() + 1,
            false,
            now,
            set.by(),
            set.ttlMs() == null ? null : expiresAt(now, set.ttlMs()),
            set.ephemeral() ? set.session() : null);
    return Applied.changed(next, now);
  }

  /** {@code now + ttlMs}, or never (the largest time) where that sum would overflow. */
  private static long expiresAt(long now, long ttlMs) {
    return ttlMs > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + ttlMs;
  }

  private static Applied patch(
      StoredEntry current, WriteCommand.Patch patch, long now, int maxValueBytes) {
    if (patch.patchJson() == null) {
      throw StateException.badRequest("missing patch");
    }
    Object patchValue = decode(patch.patchJson(), "patch");
    checkVersion(current, patch.ifVersion());
    Object target =
        current.exists() ? decode(current.valueJson(), "stored value") : new JsonObject();
    String merged = Json.encode(MergePatch.apply(target, patchValue));
    checkSize(merged, maxValueBytes);
    StoredEntry next =
        new StoredEntry(
            current.key(),
            merged,
            current.version() + 1,
            false,
            now,
            patch.by(),
            // "expires ... unless written again" (PROTOCOL.md): a patch writes again, so it ends
            // the expiry as a set without ttlMs does; the key stays tied to its session
            null,
            current.exists() ? current.ownerSession() : null);
    return Applied.changed(next, now);
  }

  private static Applied delete(StoredEntry current, WriteCommand.Delete delete, long now) {
    checkVersion(current, delete.ifVersion());
    if (!current.exists()) {
      throw new StateException(ErrorCode.NOT_FOUND, "no such key");
    }
    return Applied.changed(tombstone(current, now, delete.by()), now);
  }

  /** A deletion keeps the row with the next version, so the version is never reused. */
  private static StoredEntry tombstone(StoredEntry current, long now, String by) {
    return new StoredEntry(current.key(), null, current.version() + 1, true, now, by, null, null);
  }

  private static void checkVersion(StoredEntry current, Long ifVersion) {
    if (ifVersion == null) {
      return;
    }
    boolean matches =
        ifVersion == 0 ? !current.exists() : current.exists() && current.version() == ifVersion;
    if (!matches) {
      throw StateException.versionConflict(current.visibleVersion());
    }
  }

  private static void checkSize(String json, int maxValueBytes) {
    // A char encodes to at most 3 UTF-8 bytes, so only long strings need the exact count.
    if (json.length() > maxValueBytes / 3
        && json.getBytes(StandardCharsets.UTF_8).length > maxValueBytes) {
      throw new StateException(
          ErrorCode.TOO_LARGE,
          "value exceeds " + maxValueBytes + " bytes",
          new JsonObject().put("maxValueBytes", maxValueBytes));
    }
  }

  private static Object decode(String json, String what) {
    try {
      return Json.decodeValue(json);
    } catch (DecodeException e) {
      throw StateException.badRequest(what + " is not valid JSON");
    }
  }
}
