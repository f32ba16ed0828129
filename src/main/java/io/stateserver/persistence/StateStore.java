package io.stateserver.persistence;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.KeyPattern;
import io.stateserver.protocol.StateException;
import io.stateserver.session.PresenceValue;
import io.stateserver.session.SessionRow;
import io.stateserver.state.StateRules;
import io.stateserver.state.StoredEntry;
import io.stateserver.state.WriteCommand;
import io.stateserver.state.WriteOutcome;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state table: a group-commit writer and the reads.
 *
 * <p>Writes are queued and committed by one transaction at a time, on the database's dedicated
 * {@link WriterConnection}; everything that arrives while a transaction runs forms the next one
 * (group commit without timers). A transaction writes each row only if it still has the version the
 * transaction read, and one that lost a race with another node runs again with the rows locked, so
 * that several nodes sharing one database agree on every key's history. A command's future
 * completes only after its transaction committed.
 *
 * <p>The queue belongs to the context the store was created on; {@link #submit} may be called from
 * any thread and completes on the caller's context.
 */
public final class StateStore {
  private static final Logger log = LoggerFactory.getLogger(StateStore.class);

  private static final int MAX_ATTEMPTS = 5;
  private static final long RETRY_BACKOFF_MS = 5;
  private static final int IN_LIST_CHUNK = 500;
  private static final int MIN_SCAN_CHUNK = 64;
  private static final int MAX_SCAN_CHUNK = 1000;

  /**
   * One page of a scan.
   *
   * @param entries the matching entries, in key order
   * @param next the last key of the page when more entries may follow (pass it as {@code after}),
   *     otherwise null
   */
  public record Page(List<StoredEntry> entries, String next) {}

  private final Pool pool;
  private final WriterConnection writer;
  private final Dialect dialect;
  private final GroupCommitQueue<WriteCommand, WriteOutcome> queue;
  private final int maxValueBytes;
  private final AtomicLong transactionsCommitted = new AtomicLong();
  private final AtomicLong transactionsRetried = new AtomicLong();
  private volatile boolean lockFromTheStart;
  private final BatchListener listener;

  /**
   * @param vertx the Vert.x instance; the store's queue runs on the current (or a new) context
   * @param database the open database
   * @param maxBatch the most commands committed in one transaction
   * @param maxValueBytes the largest encoded value, in UTF-8 bytes
   */
  public StateStore(Vertx vertx, Database database, int maxBatch, int maxValueBytes) {
    this(vertx, database, maxBatch, maxValueBytes, BatchListener.NONE);
  }

  /** As above, telling {@code listener} about every committed transaction (metrics). */
  public StateStore(
      Vertx vertx, Database database, int maxBatch, int maxValueBytes, BatchListener listener) {
    this.listener = listener;
    this.pool = database.pool();
    this.writer = database.writer();
    this.dialect = database.dialect();
    this.queue = new GroupCommitQueue<>(vertx, maxBatch, this::writeBatch);
    this.maxValueBytes = maxValueBytes;
  }

  /**
   * Queues a write. The future always succeeds with an outcome: the committed entry and change, or
   * the protocol error of this command ({@code version_conflict}, {@code not_found}, {@code
   * too_large}, {@code bad_request}, or {@code unavailable} with {@code retryAfterMs} when the
   * database failed).
   */
  public Future<WriteOutcome> submit(WriteCommand command) {
    return queue.submit(command);
  }

  /** How many write transactions this store has committed (for tests and metrics). */
  public long transactionsCommitted() {
    return transactionsCommitted.get();
  }

  /** How many write transactions lost a race with another node and ran again (for tests). */
  long transactionsRetried() {
    return transactionsRetried.get();
  }

  /** Makes every transaction take the locking path from its first attempt (for tests). */
  void lockFromTheStart() {
    lockFromTheStart = true;
  }

  /** True when nothing is queued or being written (the drain waits for this). */
  public boolean idle() {
    return queue.idle();
  }

  /** The commands waiting for a transaction (for metrics; approximate from other threads). */
  public int queued() {
    return queue.queued();
  }

  private Future<List<Future<WriteOutcome>>> writeBatch(List<WriteCommand> commands) {
    long started = System.nanoTime();
    return commit(commands, 1)
        .onSuccess(
            o ->
                listener.batchCommitted(
                    commands.size(), java.time.Duration.ofNanos(System.nanoTime() - started)))
        .otherwise(failure -> unavailable(commands.size(), failure))
        .map(outcomes -> outcomes.stream().map(Future::succeededFuture).toList());
  }

  private List<WriteOutcome> unavailable(int count, Throwable failure) {
    StateException error;
    if (failure instanceof StateException refused) {
      // refused before it ran (the node is stopping), not a failure of the database
      log.debug("write transaction refused [commands: {}, cause: {}]", count, refused.getMessage());
      error = refused;
    } else if (DatabaseFailures.unreachable(failure)) {
      // an outage, not a fault: the writer connection's own warning says what broke
      log.warn(
          "write transaction failed, database unreachable [commands: {}, cause: {}]",
          count,
          failure.getMessage());
      error = DatabaseFailures.unavailable();
    } else {
      log.error("write transaction failed [commands: {}]", count, failure);
      error = DatabaseFailures.unavailable();
    }
    List<WriteOutcome> outcomes = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      outcomes.add(WriteOutcome.failure(error));
    }
    return outcomes;
  }

  private Future<List<WriteOutcome>> commit(List<WriteCommand> commands, int attempt) {
    // The first attempt reads without locks and writes conditionally; a transaction that lost a
    // race with another node runs again with the rows locked, so contention cannot starve it.
    boolean lockRows = attempt > 1 || lockFromTheStart;
    return writer
        .inTransaction(connection -> transaction(connection, commands, lockRows))
        .onSuccess(outcomes -> transactionsCommitted.incrementAndGet())
        .recover(
            failure -> {
              if (attempt < MAX_ATTEMPTS && Rows.isTransient(failure)) {
                transactionsRetried.incrementAndGet();
                listener.transactionRetried(lockRows);
                if (lockRows) {
                  log.warn(
                      "write transaction lost a race, retrying [attempt: {}, sqlState: {}]",
                      attempt,
                      Rows.sqlState(failure));
                } else {
                  log.debug(
                      "write transaction lost a race, retrying with locks [sqlState: {}]",
                      Rows.sqlState(failure));
                }
                // A short, growing pause lets the winning transaction commit first.
                return queue
                    .context()
                    .owner()
                    .timer(RETRY_BACKOFF_MS * attempt)
                    .compose(t -> commit(commands, attempt + 1));
              }
              return Future.failedFuture(failure);
            });
  }

  /**
   * One write transaction, on the writer thread: read the rows of the batch's keys, apply the
   * commands in order, write the changed rows, commit.
   *
   * <p>Without {@code lockRows} (the common case) the rows are read without locks and each update
   * requires the version it read, so a row another node changed in between fails the transaction
   * (then retried). This costs one statement per key less than locking, and on H2 a lock is itself
   * a row write. With {@code lockRows}, a placeholder row is inserted for every new key and all
   * rows are locked in key order first, so no other node can change them before the commit; it can
   * still fail on a deadlock or a placeholder another node removed, and is retried like any race.
   */
  private List<WriteOutcome> transaction(
      Connection connection, List<WriteCommand> commands, boolean lockRows) throws SQLException {
    long now = System.currentTimeMillis();
    List<String> keys =
        new ArrayList<>(new TreeSet<>(commands.stream().map(WriteCommand::key).toList()));
    Map<String, StoredEntry> read;
    if (lockRows) {
      EntryWrites.insertPlaceholders(connection, dialect, keys);
      read = EntryWrites.lock(connection, dialect, keys);
      if (read.size() != keys.size()) {
        // Another node's transaction removed a never-written row this one waited for; run again.
        throw new SQLTransientException("a row to write disappeared", "40001");
      }
    } else {
      read = EntryWrites.read(connection, dialect, keys);
    }
    Map<String, List<SessionRow>> sessions =
        EntryWrites.sessionsOf(connection, dialect, presenceClients(commands));
    Map<String, StoredEntry> rows = new HashMap<>(read);
    List<String> unwrittenKeys = keys.stream().filter(k -> neverWritten(read.get(k))).toList();
    if (!unwrittenKeys.isEmpty()) {
      // A key without a row may have had one whose tombstone was purged: it starts above every
      // version a purge removed, so that no version is ever reused.
      long floor = EntryWrites.versionFloor(connection);
      for (String key : unwrittenKeys) {
        rows.put(key, StoredEntry.absent(key, floor));
      }
    }
    AppliedBatch applied = applyAll(commands, rows, sessions, now);
    EntryWrites.write(connection, applied.changed(), read);
    if (lockRows) {
      // A placeholder whose every command failed (delete of an absent key, a failed
      // compare-and-set) goes again, so failed writes cannot grow the table.
      Set<String> written = new HashSet<>();
      applied.changed().forEach(e -> written.add(e.key()));
      List<String> unwritten = unwrittenKeys.stream().filter(k -> !written.contains(k)).toList();
      EntryWrites.deleteUnwritten(connection, dialect, unwritten);
    }
    connection.commit();
    return applied.outcomes();
  }

  /** No row, or this transaction's own version-0 placeholder. */
  private static boolean neverWritten(StoredEntry row) {
    return row == null || row.version() == 0;
  }

  private record AppliedBatch(List<WriteOutcome> outcomes, Collection<StoredEntry> changed) {}

  /** Applies the commands in submission order; commands for one key chain on each other. */
  private AppliedBatch applyAll(
      List<WriteCommand> commands,
      Map<String, StoredEntry> rows,
      Map<String, List<SessionRow>> sessions,
      long now) {
    Map<String, StoredEntry> changed = new LinkedHashMap<>();
    List<WriteOutcome> outcomes = new ArrayList<>(commands.size());
    for (WriteCommand command : commands) {
      StoredEntry current = rows.get(command.key());
      try {
        StateRules.Applied applied = applyOne(current, command, sessions, now);
        if (applied.change() != null) {
          rows.put(command.key(), applied.next());
          changed.put(command.key(), applied.next());
        }
        outcomes.add(WriteOutcome.success(applied.next(), applied.change()));
      } catch (StateException e) {
        outcomes.add(WriteOutcome.failure(e));
      } catch (RuntimeException e) {
        log.error("write command failed unexpectedly [key: {}]", command.key(), e);
        outcomes.add(
            WriteOutcome.failure(new StateException(ErrorCode.INTERNAL, "internal error")));
      }
    }
    return new AppliedBatch(outcomes, changed.values());
  }

  private StateRules.Applied applyOne(
      StoredEntry current, WriteCommand command, Map<String, List<SessionRow>> sessions, long now) {
    if (command instanceof WriteCommand.RefreshPresence presence) {
      String value =
          PresenceValue.compute(
              current.exists() ? current.valueJson() : null,
              sessions.getOrDefault(presence.clientId(), List.of()),
              now);
      return StateRules.applyPresence(current, value, now);
    }
    return StateRules.apply(current, command, now, maxValueBytes);
  }

  /** The clients whose presence entry a command of the batch refreshes. */
  private static Collection<String> presenceClients(List<WriteCommand> commands) {
    Collection<String> clients = new LinkedHashSet<>();
    for (WriteCommand command : commands) {
      if (command instanceof WriteCommand.RefreshPresence presence) {
        clients.add(presence.clientId());
      }
    }
    return clients;
  }

  // ---- reads ----

  /** The entry of a key; {@link StoredEntry#absent(String)} when it was never written. */
  public Future<StoredEntry> get(String key) {
    return pool.preparedQuery(SqlStatements.SELECT_ENTRY)
        .execute(Tuple.of(key))
        .map(
            rows ->
                rows.size() == 0 ? StoredEntry.absent(key) : Rows.entry(rows.iterator().next()));
  }

  /**
   * The entries of several keys, one per distinct key in the order given; absent keys as {@link
   * StoredEntry#absent(String)}.
   */
  public Future<List<StoredEntry>> getMany(Collection<String> keys) {
    List<String> distinct = new ArrayList<>(new LinkedHashSet<>(keys));
    List<Future<RowSet<Row>>> chunks = new ArrayList<>();
    for (int from = 0; from < distinct.size(); from += IN_LIST_CHUNK) {
      List<Object> chunk =
          new ArrayList<>(distinct.subList(from, Math.min(distinct.size(), from + IN_LIST_CHUNK)));
      chunks.add(
          pool.preparedQuery(SqlStatements.selectEntries(chunk.size())).execute(Tuple.wrap(chunk)));
    }
    return Future.all(chunks)
        .map(
            all -> {
              Map<String, StoredEntry> found = new HashMap<>();
              for (Future<RowSet<Row>> chunk : chunks) {
                for (Row row : chunk.result()) {
                  StoredEntry entry = Rows.entry(row);
                  found.put(entry.key(), entry);
                }
              }
              return distinct.stream()
                  .map(k -> found.getOrDefault(k, StoredEntry.absent(k)))
                  .toList();
            });
  }

  /**
   * The entries whose keys match a pattern, in key order, starting after {@code after} (null: from
   * the start). Deleted keys (tombstones) are included only when asked for; keys that were never
   * written never are.
   */
  public Future<Page> scan(KeyPattern pattern, String after, int limit, boolean includeDeleted) {
    if (limit < 1) {
      return Future.failedFuture(new IllegalArgumentException("limit must be at least 1"));
    }
    if (pattern.isExact()) {
      return exact(pattern.text(), after == null ? "" : after, includeDeleted);
    }
    int chunk = Math.max(MIN_SCAN_CHUNK, Math.min(MAX_SCAN_CHUNK, limit * 2));
    return scanFrom(
        pattern, after == null ? "" : after, limit, includeDeleted, chunk, new ArrayList<>());
  }

  private Future<Page> scanFrom(
      KeyPattern pattern,
      String after,
      int limit,
      boolean includeDeleted,
      int chunk,
      List<StoredEntry> found) {
    String prefix = pattern.literalPrefix();
    Future<RowSet<Row>> rows =
        prefix.isEmpty()
            ? pool.preparedQuery(SqlStatements.SCAN_ALL)
                .execute(Tuple.of(after, includeDeleted, chunk))
            : pool.preparedQuery(SqlStatements.SCAN_PREFIX)
                .execute(Tuple.of(after, prefix, prefix + "0", includeDeleted, chunk));
    return rows.compose(
        rowSet -> {
          int seen = 0;
          String lastKey = after;
          for (Row row : rowSet) {
            seen++;
            StoredEntry entry = Rows.entry(row);
            lastKey = entry.key();
            if (pattern.matches(entry.key())) {
              found.add(entry);
              if (found.size() == limit) {
                boolean more = seen < rowSet.size() || rowSet.size() == chunk;
                return Future.succeededFuture(new Page(found, more ? entry.key() : null));
              }
            }
          }
          if (rowSet.size() < chunk) {
            return Future.succeededFuture(new Page(found, null));
          }
          return scanFrom(pattern, lastKey, limit, includeDeleted, chunk, found);
        });
  }

  /** A scan of an exact pattern: one primary-key lookup. */
  private Future<Page> exact(String key, String after, boolean includeDeleted) {
    if (dialect.compareKeys(key, after) <= 0) {
      return Future.succeededFuture(new Page(List.of(), null));
    }
    return get(key)
        .map(
            e ->
                e.version() > 0 && (includeDeleted || !e.deleted())
                    ? new Page(List.of(e), null)
                    : new Page(List.of(), null));
  }

  /**
   * The rows written at or after {@code since} (epoch ms, the writer's clock), tombstones included,
   * in key order, starting after {@code after} (null: from the start).
   */
  public Future<Page> changedSince(long since, String after, int limit) {
    if (limit < 1) {
      return Future.failedFuture(new IllegalArgumentException("limit must be at least 1"));
    }
    return pool.preparedQuery(SqlStatements.CHANGED_SINCE)
        .execute(Tuple.of(after == null ? "" : after, since, limit))
        .map(
            rows -> {
              List<StoredEntry> entries = new ArrayList<>(rows.size());
              for (Row row : rows) {
                entries.add(Rows.entry(row));
              }
              boolean more = entries.size() == limit;
              return new Page(entries, more ? entries.get(entries.size() - 1).key() : null);
            });
  }

  /** Keys that exist and whose expiry is at or before {@code now}, soonest first. */
  public Future<List<String>> expiredKeys(long now, int max) {
    return pool.preparedQuery(SqlStatements.EXPIRED_KEYS)
        .execute(Tuple.of(now, max))
        .map(StateStore::firstColumn);
  }

  /** The existing ephemeral keys tied to a session, in key order. */
  public Future<List<String>> keysOwnedBy(String session) {
    return pool.preparedQuery(SqlStatements.KEYS_OWNED_BY)
        .execute(Tuple.of(session))
        .map(StateStore::firstColumn);
  }

  private static List<String> firstColumn(RowSet<Row> rows) {
    List<String> values = new ArrayList<>(rows.size());
    for (Row row : rows) {
      values.add(row.getString(0));
    }
    return values;
  }
}
