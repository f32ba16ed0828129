package io.stateserver.security;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.HashMap;
import java.util.Map;

/**
 * The {@code revoked_token} table: token ids (jti) that must be refused until the token would have
 * expired anyway. Rows past that time are purged.
 */
public final class RevocationStore {
  /** Stands for "no known expiry" in {@link #active}: kept until removed by hand. */
  public static final long NEVER = Long.MAX_VALUE;

  private static final String UPDATE = "UPDATE revoked_token SET expires_at = ? WHERE jti = ?";
  private static final String INSERT = "INSERT INTO revoked_token (jti, expires_at) VALUES (?, ?)";
  private static final String ACTIVE =
      "SELECT jti, expires_at FROM revoked_token WHERE expires_at IS NULL OR expires_at >= ?";
  private static final String PURGE = "DELETE FROM revoked_token WHERE expires_at < ?";

  private final Pool pool;

  public RevocationStore(Pool pool) {
    this.pool = pool;
  }

  /**
   * Records a revocation (again: a second revocation of one jti just sets its expiry).
   *
   * @param expiresAt epoch seconds after which the row may go, or {@link #NEVER}
   */
  public Future<Void> revoke(String jti, long expiresAt) {
    Long expiry = expiresAt == NEVER ? null : expiresAt;
    return pool.preparedQuery(UPDATE)
        .execute(Tuple.of(expiry, jti))
        .compose(
            rows ->
                rows.rowCount() > 0
                    ? Future.<Void>succeededFuture()
                    : pool.preparedQuery(INSERT)
                        .execute(Tuple.of(jti, expiry))
                        .<Void>mapEmpty()
                        // another node inserted the same jti meanwhile: revoked either way
                        .recover(t -> revokedByOther(jti, t)));
  }

  private Future<Void> revokedByOther(String jti, Throwable insertFailure) {
    return pool.preparedQuery("SELECT jti FROM revoked_token WHERE jti = ?")
        .execute(Tuple.of(jti))
        .compose(
            rows ->
                rows.size() == 1
                    ? Future.<Void>succeededFuture()
                    : Future.failedFuture(insertFailure));
  }

  /** Revocations still in force at {@code nowSeconds}: jti to expiry (or {@link #NEVER}). */
  public Future<Map<String, Long>> active(long nowSeconds) {
    return pool.preparedQuery(ACTIVE)
        .execute(Tuple.of(nowSeconds))
        .map(
            rows -> {
              Map<String, Long> out = new HashMap<>();
              rows.forEach(
                  row -> {
                    Long expiry = row.getLong(1);
                    out.put(row.getString(0), expiry == null ? NEVER : expiry);
                  });
              return out;
            });
  }

  /** Deletes revocations whose token has expired before {@code beforeSeconds}. */
  public Future<Integer> purge(long beforeSeconds) {
    return pool.preparedQuery(PURGE).execute(Tuple.of(beforeSeconds)).map(rows -> rows.rowCount());
  }
}
