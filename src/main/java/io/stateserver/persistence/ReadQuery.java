package io.stateserver.persistence;

import io.stateserver.protocol.KeyPattern;
import java.util.List;

/** Read queries sent to the persistence verticle at {@code persistence.read}. Local-only. */
public sealed interface ReadQuery {

  /** Replies a {@code StoredEntry} (absent keys as {@code StoredEntry.absent}). */
  record Get(String key) implements ReadQuery {}

  /** Replies an {@link Entries}. */
  record GetMany(List<String> keys) implements ReadQuery {}

  /** Replies a {@code StateStore.Page}. */
  record Scan(KeyPattern pattern, String after, int limit, boolean includeDeleted)
      implements ReadQuery {}

  /**
   * Replies a {@code StateStore.Page} of the rows written at or after {@code since} (epoch ms),
   * tombstones included.
   */
  record ChangedSince(long since, String after, int limit) implements ReadQuery {}

  /** Replies a {@link Keys} of keys whose TTL has passed. */
  record ExpiredKeys(long now, int max) implements ReadQuery {}

  /** Replies a {@link Keys} of the live ephemeral keys of a session. */
  record OwnedBy(String session) implements ReadQuery {}

  /** Replies {@code true} when the database answers. */
  record Ping() implements ReadQuery {}

  /** A list of entries as a reply. */
  record Entries(List<io.stateserver.state.StoredEntry> entries) {}

  /** A list of keys as a reply. */
  record Keys(List<String> keys) {}
}
