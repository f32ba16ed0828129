package io.stateserver.state;

/**
 * A write to one key, as it travels from the connection edge to the persistence verticle. Commands
 * are applied in the order they are submitted; the database row lock decides the order between
 * nodes.
 */
public sealed interface WriteCommand
    permits WriteCommand.Set,
        WriteCommand.Patch,
        WriteCommand.Delete,
        WriteCommand.Expire,
        WriteCommand.EndEphemeral,
        WriteCommand.RefreshPresence {

  /** The one key this command writes. */
  String key();

  /**
   * {@code set}. {@code ifVersion} null means unconditional; 0 means "only if absent". {@code
   * session} is the writer's session (used when {@code ephemeral}).
   */
  record Set(
      String key,
      String valueJson,
      Long ifVersion,
      boolean ephemeral,
      Long ttlMs,
      String by,
      String session)
      implements WriteCommand {}

  /** {@code patch}: RFC 7396 merge patch applied to the current value ({@code {}} if absent). */
  record Patch(String key, String patchJson, Long ifVersion, String by) implements WriteCommand {}

  /** {@code delete}: fails {@code not_found} when the key does not exist. */
  record Delete(String key, Long ifVersion, String by) implements WriteCommand {}

  /**
   * TTL expiry: deletes the key only if it still exists and its expiry is at or before {@code now}.
   */
  record Expire(String key, long now) implements WriteCommand {}

  /** Last will: deletes the key only if it still exists and is still owned by {@code session}. */
  record EndEphemeral(String key, String session) implements WriteCommand {}

  /**
   * Recomputes {@code $sys/clients/<clientId>} from the sessions table inside the write
   * transaction, so that concurrent refreshes from several nodes serialize on the key's row lock.
   */
  record RefreshPresence(String key, String clientId) implements WriteCommand {}
}
