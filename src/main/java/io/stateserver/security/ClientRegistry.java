package io.stateserver.security;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code clients} table: registered clients with their roles, enabled flag and secret hash.
 * Each change is one statement through the Vert.x JDBC pool (run on worker threads), so callers on
 * an event loop never block. Hashing is not done here (see {@link ClientService}).
 */
public final class ClientRegistry {
  private static final String COLUMNS = "id, roles, enabled, secret_hash, created_at, updated_at";
  private static final String INSERT =
      "INSERT INTO clients (" + COLUMNS + ") VALUES (?, ?, TRUE, ?, ?, ?)";
  private static final String SELECT_ONE = "SELECT " + COLUMNS + " FROM clients WHERE id = ?";
  private static final String SELECT_ALL = "SELECT " + COLUMNS + " FROM clients ORDER BY id";
  private static final String SELECT_DISABLED = "SELECT id FROM clients WHERE enabled = FALSE";
  private static final String SET_ENABLED =
      "UPDATE clients SET enabled = ?, updated_at = ? WHERE id = ?";
  private static final String SET_SECRET =
      "UPDATE clients SET secret_hash = ?, updated_at = ? WHERE id = ?";
  private static final String REPLACE_SECRET =
      "UPDATE clients SET secret_hash = ?, updated_at = ? WHERE id = ? AND secret_hash = ?";
  private static final String UNIQUE_VIOLATION = "23505";

  private final Pool pool;

  /** A client row including its secret hash; never leaves the security package. */
  record StoredClient(ClientInfo info, String secretHash) {}

  public ClientRegistry(Pool pool) {
    this.pool = pool;
  }

  /**
   * Adds an enabled client.
   *
   * @return fails with {@code version_conflict} when the id is taken
   */
  Future<ClientInfo> insert(String id, List<String> roles, String secretHash, long now) {
    return pool.preparedQuery(INSERT)
        .execute(Tuple.of(id, new JsonArray(roles).encode(), secretHash, now, now))
        .map(rows -> new ClientInfo(id, List.copyOf(roles), true, now, now))
        .recover(
            t ->
                UNIQUE_VIOLATION.equals(sqlState(t))
                    ? Future.failedFuture(
                        new StateException(ErrorCode.VERSION_CONFLICT, "client already exists"))
                    : Future.failedFuture(t));
  }

  /** The client with its secret hash, or null. */
  Future<StoredClient> find(String id) {
    return pool.preparedQuery(SELECT_ONE)
        .execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : stored(rows.iterator().next()));
  }

  /** Every client, by id, without secrets. */
  public Future<List<ClientInfo>> list() {
    return pool.preparedQuery(SELECT_ALL)
        .execute()
        .map(
            rows -> {
              List<ClientInfo> out = new ArrayList<>(rows.size());
              rows.forEach(row -> out.add(stored(row).info()));
              return out;
            });
  }

  /** The ids of every disabled client. */
  public Future<List<String>> disabledIds() {
    return pool.preparedQuery(SELECT_DISABLED)
        .execute()
        .map(
            rows -> {
              List<String> out = new ArrayList<>(rows.size());
              rows.forEach(row -> out.add(row.getString(0)));
              return out;
            });
  }

  /**
   * @return fails with {@code not_found} for an unknown id
   */
  Future<Void> setEnabled(String id, boolean enabled, long now) {
    return pool.preparedQuery(SET_ENABLED)
        .execute(Tuple.of(enabled, now, id))
        .compose(rows -> rows.rowCount() == 1 ? Future.<Void>succeededFuture() : notFound());
  }

  /**
   * @return fails with {@code not_found} for an unknown id
   */
  Future<Void> setSecretHash(String id, String secretHash, long now) {
    return pool.preparedQuery(SET_SECRET)
        .execute(Tuple.of(secretHash, now, id))
        .compose(rows -> rows.rowCount() == 1 ? Future.<Void>succeededFuture() : notFound());
  }

  /**
   * Replaces the hash {@code expected} with {@code secretHash}, only while it is still the stored
   * one: a rehash of a secret checked with the old hash must not undo a rotation committed since.
   *
   * @return whether the hash was replaced
   */
  Future<Boolean> replaceSecretHash(String id, String expected, String secretHash, long now) {
    return pool.preparedQuery(REPLACE_SECRET)
        .execute(Tuple.of(secretHash, now, id, expected))
        .map(rows -> rows.rowCount() == 1);
  }

  private static <T> Future<T> notFound() {
    return Future.failedFuture(ClientIds.notFound());
  }

  private static StoredClient stored(Row row) {
    List<String> roles = new ArrayList<>();
    new JsonArray(row.getString(1)).forEach(r -> roles.add((String) r));
    return new StoredClient(
        new ClientInfo(
            row.getString(0),
            List.copyOf(roles),
            row.getBoolean(2),
            row.getLong(4),
            row.getLong(5)),
        row.getString(3));
  }

  private static String sqlState(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        return sql.getSQLState();
      }
    }
    return null;
  }
}
