package io.stateserver.persistence;

import io.stateserver.session.SessionRow;
import io.stateserver.state.BroadcastBeacon;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sessions table. Every change is one conditional statement, so that nodes racing for one
 * session (a resume on one node, an expiry sweep on another) never both win. Opens, resumes and
 * drops, one per connect or disconnect, are group-committed ({@link StatementBatcher}).
 */
public final class SessionStore {
  private final Pool pool;
  private final StatementBatcher batcher;
  private final Dialect dialect;
  // Nodes known to have a lease row. A row is deleted only once its node stopped renewing long ago
  // (pruneDeadNodes), and a node that comes back renews at once, which makes it again: one ensure
  // per node is enough while renewals succeed.
  private final Set<String> leasedNodes = ConcurrentHashMap.newKeySet();
  // Drops queued and not yet answered, by session and connected-at: a repeat joins the one queued.
  private final Map<String, Future<Boolean>> pendingDrops = new ConcurrentHashMap<>();

  public SessionStore(Database database) {
    this.pool = database.pool();
    this.batcher = database.batcher();
    this.dialect = database.dialect();
  }

  /** Records a new session, connected on {@code nodeId}. */
  public Future<Void> open(String id, String clientId, String nodeId, long now, long leaseUntil) {
    return Future.all(
            ensureNodeLease(nodeId, leaseUntil),
            batcher.submit(SqlStatements.INSERT_SESSION, id, clientId, nodeId, now, leaseUntil))
        .mapEmpty();
  }

  /**
   * Makes sure the node has a lease row, so that the expiry sweep, which starts from node leases,
   * finds its sessions. A running node writes its row at start; this covers a store used without
   * one, at the cost of one statement per node and store.
   */
  private Future<Integer> ensureNodeLease(String nodeId, long leaseUntil) {
    if (leasedNodes.contains(nodeId)) {
      return Future.succeededFuture(0);
    }
    return batcher
        .submit(SqlStatements.ENSURE_NODE_LEASE, nodeId, leaseUntil, nodeId)
        .onSuccess(count -> leasedNodes.add(nodeId));
  }

  /**
   * Moves a session to {@code nodeId} as connected, if it belongs to {@code clientId}, has not
   * ended and is within its grace: dropped no more than {@code graceMs} ago, or still marked
   * connected elsewhere with a lease that ran out no more than {@code graceMs} ago; and, if it is
   * on {@code nodeId} already, connected there before {@code now}.
   *
   * @return true when the session was resumed
   */
  public Future<Boolean> resume(
      String id, String clientId, String nodeId, long now, long leaseUntil, long graceMs) {
    Future<Integer> lease = ensureNodeLease(nodeId, leaseUntil);
    return batcher
        .submit(
            SqlStatements.RESUME_SESSION,
            nodeId,
            now,
            leaseUntil,
            id,
            clientId,
            now - graceMs,
            now - graceMs,
            nodeId,
            now)
        .compose(count -> lease.map(ensured -> count == 1));
  }

  /**
   * Whether the session of {@code clientId} is connected on {@code nodeId} by a connection that
   * connected after {@code connectedAt}: why a resume on that node connected at {@code connectedAt}
   * failed, if it did. (Another client's session id answers false: what it tried to resume stays
   * unknown to it.)
   */
  public Future<Boolean> resumedHereLater(
      String id, String clientId, String nodeId, long connectedAt) {
    return find(id)
        .map(
            row ->
                row != null
                    && row.clientId().equals(clientId)
                    && row.openConnection()
                    && nodeId.equals(row.nodeId())
                    && row.connectedAt() > connectedAt);
  }

  /**
   * Marks a session disconnected, if it is still connected on {@code nodeId} by the connection that
   * opened or resumed it at {@code connectedAt} (not by a newer one that resumed it since).
   *
   * <p>A drop asked for again while the first is still queued joins it. Why: a connection asks
   * again while the database cannot be reached (the first request may have timed out on the event
   * bus, and is still queued); without this, each of thousands of dropped sessions would add a
   * statement to the queue every few seconds for as long as the outage lasts.
   */
  public Future<Boolean> drop(String id, String nodeId, long connectedAt, long now) {
    String key = id + '/' + connectedAt;
    Future<Boolean> pending = pendingDrops.get(key);
    if (pending != null) {
      return pending;
    }
    Future<Boolean> drop =
        batcher
            .submit(SqlStatements.DROP_SESSION, now, id, nodeId, connectedAt)
            .map(changed -> changed > 0);
    pendingDrops.put(key, drop);
    return drop.onComplete(done -> pendingDrops.remove(key, drop));
  }

  /** The lease row of {@code nodeId}, or null. */
  public Future<SessionOp.Lease> leaseOf(String nodeId) {
    return pool.preparedQuery(SqlStatements.SELECT_NODE_LEASE)
        .execute(Tuple.of(nodeId))
        .map(
            rows -> {
              if (rows.size() == 0) {
                return null;
              }
              Row row = rows.iterator().next();
              return new SessionOp.Lease(row.getLong(0), row.getLong(1), row.getString(2));
            });
  }

  /**
   * Marks dropped at {@code now} every session still connected on {@code nodeId}: an earlier run's
   * of the node (see {@code SessionOp.DropEarlierRun}). Their grace counts from {@code now}.
   *
   * @return how many there were
   */
  public Future<Integer> dropEarlierRun(String nodeId, long now) {
    return pool.preparedQuery(SqlStatements.DROP_EARLIER_RUN_SESSIONS)
        .execute(Tuple.of(now, nodeId))
        .map(rows -> rows.rowCount());
  }

  /** Drops queued and not yet answered (tests). */
  int pendingDrops() {
    return pendingDrops.size();
  }

  /**
   * Extends the lease of every session connected on {@code nodeId}: one row, the node's lease,
   * whatever the number of sessions. The row also records how far the node's broadcasts had got
   * ({@code origin}, {@code broadcastSeq}, taken at {@code sampledAt}; see {@link
   * #broadcastsOfOtherNodes}). A renewal whose {@code renewalSeq} is not above the row's, of the
   * same origin, changes nothing: it was sent before one that already landed.
   */
  public Future<Void> renewLeases(
      String nodeId,
      long leaseUntil,
      String origin,
      long broadcastSeq,
      long sampledAt,
      long renewalSeq) {
    return pool.preparedQuery(dialect.renewNodeLease())
        .execute(Tuple.of(nodeId, leaseUntil, origin, broadcastSeq, sampledAt, renewalSeq))
        .onSuccess(rows -> leasedNodes.add(nodeId))
        // Another node may have pruned the row (this one was frozen for an hour), and this renewal
        // did not make it again: the next session open does.
        .onFailure(t -> leasedNodes.remove(nodeId))
        .mapEmpty();
  }

  /**
   * How far the other nodes' broadcasts had got, as they recorded it with their leases: nodes whose
   * lease runs until {@code leaseNotBefore} or later, that have recorded a broadcast (nodes of an
   * earlier release record nothing and are left out).
   */
  public Future<List<BroadcastBeacon>> broadcastsOfOtherNodes(String nodeId, long leaseNotBefore) {
    return pool.preparedQuery(SqlStatements.SELECT_NODE_BROADCASTS)
        .execute(Tuple.of(nodeId, leaseNotBefore))
        .map(
            rows -> {
              List<BroadcastBeacon> beacons = new ArrayList<>(rows.size());
              for (Row row : rows) {
                beacons.add(new BroadcastBeacon(row.getString(0), row.getLong(1), row.getLong(2)));
              }
              return beacons;
            });
  }

  /**
   * Sessions that have not ended and are past their grace: up to {@code max} dropped more than
   * {@code graceMs} ago, and up to {@code max} connected on a node whose lease ran out more than
   * {@code graceMs} ago, each kind in id order past its place in {@code from}.
   *
   * <p>The next place is the last id the database returned (not one compared in Java: the
   * database's collation may order ids differently), and the start once a kind did not fill its
   * batch, so that repeated searches visit every expired session in turn.
   */
  public Future<SessionOp.Expired> findExpired(
      long now, long graceMs, int max, SessionOp.ExpiredFrom from) {
    long before = now - graceMs;
    Future<RowSet<Row>> dropped =
        pool.preparedQuery(SqlStatements.FIND_EXPIRED_DROPPED_SESSIONS)
            .execute(Tuple.of(before, from.droppedAfter(), max));
    Future<RowSet<Row>> connected =
        pool.preparedQuery(SqlStatements.FIND_EXPIRED_CONNECTED_SESSIONS)
            .execute(Tuple.of(before, before, from.connectedAfter(), max));
    return Future.all(dropped, connected)
        .map(
            both -> {
              List<SessionRow> droppedRows = sessions(dropped.result());
              List<SessionRow> connectedRows = sessions(connected.result());
              List<SessionRow> rows = new ArrayList<>(droppedRows);
              rows.addAll(connectedRows);
              return new SessionOp.Expired(
                  rows,
                  new SessionOp.ExpiredFrom(
                      goOnAfter(droppedRows, max), goOnAfter(connectedRows, max)));
            });
  }

  private static String goOnAfter(List<SessionRow> found, int max) {
    return found.size() < max ? "" : found.get(found.size() - 1).id();
  }

  /**
   * Begins a session's end if it is still past its grace (a resume may have won meanwhile), or
   * finds it begun: from then on no resume takes it, so its ephemeral keys can go before {@link
   * #markEnded}. Asked again for a session whose end began, it answers true again, so that an end
   * that failed part way is finished.
   *
   * @return true when the session's end has begun and it has not ended
   */
  public Future<Boolean> beginEnd(String id, long now, long graceMs) {
    return pastGrace(SqlStatements.BEGIN_SESSION_END, id, now, graceMs);
  }

  /**
   * Ends a session whose end began, or that is still past its grace (a resume may have won
   * meanwhile).
   *
   * @return true when this call ended it
   */
  public Future<Boolean> markEnded(String id, long now, long graceMs) {
    return pastGrace(SqlStatements.MARK_SESSION_ENDED, id, now, graceMs);
  }

  private Future<Boolean> pastGrace(String statement, String id, long now, long graceMs) {
    return pool.preparedQuery(statement)
        .execute(Tuple.of(now, id, now - graceMs, now - graceMs))
        .map(rows -> rows.rowCount() == 1);
  }

  /**
   * Deletes the sessions that ended before {@code endedBefore}, so that the table holds the live
   * sessions and the recently ended ones, not every connection ever made.
   *
   * @return how many were deleted
   */
  public Future<Integer> pruneEnded(long endedBefore) {
    return pool.preparedQuery(SqlStatements.PRUNE_ENDED_SESSIONS)
        .execute(Tuple.of(endedBefore))
        .map(rows -> rows.rowCount());
  }

  /**
   * Deletes the lease rows of nodes whose lease ran out before {@code leaseBefore} and that no
   * session which has not ended still names, so that restarts do not grow the table forever.
   *
   * @return how many were deleted
   */
  public Future<Integer> pruneDeadNodes(long leaseBefore) {
    return pool.preparedQuery(SqlStatements.PRUNE_DEAD_NODE_LEASES)
        .execute(Tuple.of(leaseBefore))
        .map(rows -> rows.rowCount());
  }

  /** One session, or null. */
  public Future<SessionRow> find(String id) {
    return pool.preparedQuery(SqlStatements.SELECT_SESSION)
        .execute(Tuple.of(id))
        .map(rows -> rows.size() == 0 ? null : Rows.session(rows.iterator().next()));
  }

  private static List<SessionRow> sessions(RowSet<Row> rows) {
    List<SessionRow> sessions = new ArrayList<>(rows.size());
    for (Row row : rows) {
      sessions.add(Rows.session(row));
    }
    return sessions;
  }
}
