package io.stateserver.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.config.ServerConfig;
import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.KeyPattern;
import io.stateserver.protocol.StateException;
import io.stateserver.session.SessionRow;
import io.stateserver.state.BroadcastBeacon;
import io.stateserver.state.StoredEntry;
import io.stateserver.state.WriteCommand;
import io.stateserver.state.WriteOutcome;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.flywaydb.core.api.MigrationVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The behaviour of {@link StateStore} and {@link SessionStore} on a real database; one subclass per
 * supported database.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
abstract class AbstractStoreIT {
  private long renewals;

  static final int MAX_VALUE_BYTES = 65536;

  /** A new, empty database. */
  abstract ServerConfig.Db freshDatabase() throws Exception;

  /** Releases a database made by {@link #freshDatabase()} (after it was closed). */
  void discard(ServerConfig.Db db) throws Exception {}

  private final List<ServerConfig.Db> made = new ArrayList<>();
  ServerConfig.Db config;
  Database database;
  StateStore store;
  SessionStore sessions;

  ServerConfig.Db newDatabase() throws Exception {
    ServerConfig.Db db = freshDatabase();
    made.add(db);
    return db;
  }

  @BeforeEach
  void open(Vertx vertx, VertxTestContext ctx) throws Exception {
    config = newDatabase();
    Database.open(vertx, config)
        .onComplete(
            ctx.succeeding(
                db -> {
                  database = db;
                  store = new StateStore(vertx, db, config.maxBatch(), MAX_VALUE_BYTES);
                  sessions = new SessionStore(db);
                  ctx.completeNow();
                }));
  }

  @AfterEach
  void close(Vertx vertx, VertxTestContext ctx) {
    Future<Void> closed = database == null ? Future.succeededFuture() : database.close();
    // discarding a database is blocking JDBC: on a worker, not on the event loop
    closed
        .compose(
            v ->
                vertx.executeBlocking(
                    () -> {
                      for (ServerConfig.Db db : made) {
                        discard(db);
                      }
                      return null;
                    }))
        .onComplete(ctx.succeedingThenComplete());
  }

  static WriteCommand.Set set(String key, String value, Long ifVersion) {
    return new WriteCommand.Set(key, value, ifVersion, false, null, "tester", "s0");
  }

  static WriteCommand.Delete delete(String key, Long ifVersion) {
    return new WriteCommand.Delete(key, ifVersion, "tester");
  }

  /** Submits the commands one after another, each after the previous one completed. */
  Future<List<WriteOutcome>> inSequence(StateStore target, List<WriteCommand> commands) {
    List<WriteOutcome> outcomes = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (WriteCommand c : commands) {
      chain = chain.compose(v -> target.submit(c)).map(o -> outcomes.add(o)).mapEmpty();
    }
    return chain.map(v -> outcomes);
  }

  static <T> Function<T, Future<T>> verified(VertxTestContext ctx, ThrowingConsumer<T> check) {
    return value -> {
      ctx.verify(() -> check.accept(value));
      return Future.succeededFuture(value);
    };
  }

  interface ThrowingConsumer<T> {
    void accept(T value) throws Throwable;
  }

  // ---- writes ----

  @Test
  void groupCommitPutsConcurrentWritesIntoFewTransactions(VertxTestContext ctx) {
    List<Future<WriteOutcome>> futures =
        IntStream.range(0, 500).mapToObj(i -> store.submit(set("g/" + i, "" + i, null))).toList();
    Future.all(futures)
        .onComplete(
            ctx.succeeding(
                all ->
                    ctx.verify(
                        () -> {
                          assertThat(futures).allMatch(f -> f.result().succeeded());
                          assertThat(futures).allMatch(f -> f.result().entry().version() == 1);
                          assertThat(store.transactionsCommitted()).isBetween(1L, 50L);
                          ctx.completeNow();
                        })));
  }

  @Test
  void orderedWritesToOneKeyEachSeeTheirOwnVersion(VertxTestContext ctx) {
    List<Future<WriteOutcome>> futures =
        IntStream.range(0, 1000).mapToObj(i -> store.submit(set("counter", "" + i, null))).toList();
    Future.all(futures)
        .compose(all -> store.get("counter"))
        .onComplete(
            ctx.succeeding(
                entry ->
                    ctx.verify(
                        () -> {
                          for (int i = 0; i < futures.size(); i++) {
                            WriteOutcome o = futures.get(i).result();
                            assertThat(o.entry().version()).isEqualTo(i + 1);
                            assertThat(o.change().version()).isEqualTo(i + 1);
                            assertThat(o.change().valueJson()).isEqualTo("" + i);
                          }
                          assertThat(entry.version()).isEqualTo(1000);
                          assertThat(entry.valueJson()).isEqualTo("999");
                          ctx.completeNow();
                        })));
  }

  @Test
  void compareAndSetFailsOnlyTheConflictingCommand(VertxTestContext ctx) {
    inSequence(
            store,
            List.of(
                set("cas", "1", 0L),
                set("cas", "2", 0L),
                set("cas", "3", 1L),
                set("cas", "4", 1L),
                delete("cas", 7L),
                set("other", "1", 5L)))
        .onComplete(
            ctx.succeeding(
                o ->
                    ctx.verify(
                        () -> {
                          assertThat(o.get(0).entry().version()).isEqualTo(1);
                          assertConflict(o.get(1), 1);
                          assertThat(o.get(2).entry().version()).isEqualTo(2);
                          assertConflict(o.get(3), 2);
                          assertConflict(o.get(4), 2);
                          assertConflict(o.get(5), 0);
                          ctx.completeNow();
                        })));
  }

  @Test
  void createIfAbsentInOneBatchLetsExactlyOneWin(VertxTestContext ctx) {
    List<Future<WriteOutcome>> futures =
        IntStream.range(0, 20).mapToObj(i -> store.submit(set("once", "" + i, 0L))).toList();
    Future.all(futures)
        .onComplete(
            ctx.succeeding(
                all ->
                    ctx.verify(
                        () -> {
                          assertThat(futures.get(0).result().succeeded()).isTrue();
                          assertThat(futures.subList(1, 20))
                              .allMatch(
                                  f -> f.result().error().code() == ErrorCode.VERSION_CONFLICT);
                          ctx.completeNow();
                        })));
  }

  private static void assertConflict(WriteOutcome outcome, long currentVersion) {
    assertThat(outcome.succeeded()).isFalse();
    assertThat(outcome.error().code()).isEqualTo(ErrorCode.VERSION_CONFLICT);
    assertThat(outcome.error().details().getLong("version")).isEqualTo(currentVersion);
  }

  @Test
  void deleteAndRecreateKeepVersionsIncreasing(VertxTestContext ctx) {
    inSequence(
            store,
            List.of(
                set("dr", "1", null),
                delete("dr", 1L),
                delete("dr", null),
                set("dr", "2", 0L),
                new WriteCommand.Patch("dr", "{\"a\":1}", 3L, "tester")))
        .compose(
            verified(
                ctx,
                o -> {
                  assertThat(o.get(1).change())
                      .satisfies(
                          c -> {
                            assertThat(c.deleted()).isTrue();
                            assertThat(c.version()).isEqualTo(2);
                            assertThat(c.valueJson()).isNull();
                          });
                  assertThat(o.get(2).error().code()).isEqualTo(ErrorCode.NOT_FOUND);
                  assertThat(o.get(3).entry().version()).isEqualTo(3);
                  assertThat(o.get(4).entry().version()).isEqualTo(4);
                  assertThat(new JsonObject(o.get(4).entry().valueJson()))
                      .isEqualTo(new JsonObject().put("a", 1));
                }))
        .compose(o -> store.get("dr"))
        .onComplete(
            ctx.succeeding(
                e ->
                    ctx.verify(
                        () -> {
                          assertThat(e.version()).isEqualTo(4);
                          assertThat(e.exists()).isTrue();
                          ctx.completeNow();
                        })));
  }

  @Test
  void stateSurvivesARestart(Vertx vertx, VertxTestContext ctx) {
    inSequence(store, List.of(set("r/a", "{\"x\":[1,2]}", null), set("r/b", "true", null)))
        .compose(o -> store.submit(delete("r/b", null)))
        .compose(o -> database.close())
        .compose(v -> Database.open(vertx, config))
        .compose(
            reopened -> {
              database = reopened;
              store = new StateStore(vertx, reopened, config.maxBatch(), MAX_VALUE_BYTES);
              return store.getMany(List.of("r/a", "r/b", "r/c"));
            })
        .onComplete(
            ctx.succeeding(
                entries ->
                    ctx.verify(
                        () -> {
                          assertThat(entries)
                              .extracting(StoredEntry::key)
                              .containsExactly("r/a", "r/b", "r/c");
                          assertThat(entries.get(0).valueJson()).isEqualTo("{\"x\":[1,2]}");
                          assertThat(entries.get(0).version()).isEqualTo(1);
                          assertThat(entries.get(1).deleted()).isTrue();
                          assertThat(entries.get(1).version()).isEqualTo(2);
                          assertThat(entries.get(2)).isEqualTo(StoredEntry.absent("r/c"));
                          ctx.completeNow();
                        })));
  }

  @Test
  void aFailedDatabaseFailsTheBatchAsUnavailable(VertxTestContext ctx) {
    database
        .close()
        .compose(v -> store.submit(set("u", "1", null)))
        .onComplete(
            ctx.succeeding(
                o ->
                    ctx.verify(
                        () -> {
                          assertThat(o.error().code()).isEqualTo(ErrorCode.UNAVAILABLE);
                          assertThat(o.error().details().getLong("retryAfterMs")).isEqualTo(1000);
                          database = null;
                          ctx.completeNow();
                        })));
  }

  // ---- reads ----

  @Test
  void scanPagesThroughMatchingKeysInCodePointOrder(VertxTestContext ctx) {
    List<WriteCommand> writes = new ArrayList<>();
    for (String k : List.of("a/1", "a/2", "a/B", "a/Z", "a/a", "a/é", "a/x/1", "ab/1", "b/1")) {
      writes.add(set(k, "1", null));
    }
    writes.add(set("$sys/clients/c", "{}", null));
    writes.add(delete("a/2", null));
    List<String> pages = new ArrayList<>();
    inSequence(store, writes)
        .compose(o -> store.scan(KeyPattern.parse("a/+"), null, 2, false))
        .compose(
            p -> {
              pages.add(keys(p));
              return store.scan(KeyPattern.parse("a/+"), p.next(), 2, false);
            })
        .compose(
            p -> {
              pages.add(keys(p));
              return store.scan(KeyPattern.parse("a/+"), p.next(), 2, false);
            })
        .compose(
            verified(
                ctx,
                p -> {
                  pages.add(keys(p));
                  assertThat(pages).containsExactly("a/1 a/B next", "a/Z a/a next", "a/é");
                }))
        .compose(p -> store.scan(KeyPattern.parse("a/#"), null, 100, true))
        .compose(
            verified(
                ctx,
                p -> {
                  assertThat(keys(p)).isEqualTo("a/1 a/2 a/B a/Z a/a a/x/1 a/é");
                  assertThat(p.entries().get(1).deleted()).isTrue();
                }))
        .compose(p -> store.scan(KeyPattern.parse("#"), null, 100, false))
        .compose(
            verified(ctx, p -> assertThat(keys(p)).isEqualTo("a/1 a/B a/Z a/a a/x/1 a/é ab/1 b/1")))
        .compose(p -> store.scan(KeyPattern.parse("$sys/clients/+"), null, 100, false))
        .onComplete(
            ctx.succeeding(
                p ->
                    ctx.verify(
                        () -> {
                          assertThat(keys(p)).isEqualTo("$sys/clients/c");
                          ctx.completeNow();
                        })));
  }

  @Test
  void anExactPatternStartsAfterAKeyInTheDatabasesOwnOrder(VertxTestContext ctx) {
    // U+FF01 and U+1F600 sort one way by UTF-16 code unit (H2) and the other by code point
    // (PostgreSQL). An exact pattern, whose after the server checks itself, must page as a
    // wildcard pattern does, whose after the database applies.
    String key = "order/k\uD83D\uDE00";
    String after = "order/k\uFF01";
    inSequence(store, List.of(set(key, "1", null)))
        .compose(
            o ->
                Future.all(
                    store.scan(KeyPattern.parse("order/+"), after, 10, false),
                    store.scan(KeyPattern.parse(key), after, 10, false)))
        .onComplete(
            ctx.succeeding(
                both ->
                    ctx.verify(
                        () -> {
                          StateStore.Page byTheDatabase = both.resultAt(0);
                          StateStore.Page exact = both.resultAt(1);
                          assertThat(keys(exact)).isEqualTo(keys(byTheDatabase));
                          ctx.completeNow();
                        })));
  }

  @Test
  void scanKeepsReadingChunksUntilEnoughKeysMatch(VertxTestContext ctx) {
    List<WriteCommand> writes = new ArrayList<>();
    for (String k : List.of("a/1", "ab/1", "b/1", "z/1", "zz/1")) {
      writes.add(set(k, "1", null));
    }
    for (int i = 0; i < 300; i++) {
      writes.add(set("m/x" + i, "1", null));
    }
    Future.all(writes.stream().map(store::submit).toList())
        .compose(o -> store.scan(KeyPattern.parse("+/1"), null, 2, false))
        .compose(
            verified(
                ctx,
                p -> {
                  assertThat(keys(p)).isEqualTo("a/1 ab/1 next");
                  assertThat(p.next()).isEqualTo("ab/1");
                }))
        .compose(p -> store.scan(KeyPattern.parse("+/1"), p.next(), 2, false))
        .compose(verified(ctx, p -> assertThat(keys(p)).isEqualTo("b/1 z/1 next")))
        .compose(p -> store.scan(KeyPattern.parse("+/1"), p.next(), 2, false))
        .onComplete(
            ctx.succeeding(
                p ->
                    ctx.verify(
                        () -> {
                          assertThat(keys(p)).isEqualTo("zz/1");
                          assertThat(p.next()).isNull();
                          ctx.completeNow();
                        })));
  }

  @Test
  void scanOfAnExactPatternFindsOnlyThatKey(VertxTestContext ctx) {
    List<WriteCommand> writes = new ArrayList<>();
    for (String k : List.of("e/k", "e/k/child", "e/k-x", "e/gone")) {
      writes.add(set(k, "1", null));
    }
    writes.add(delete("e/gone", null));
    inSequence(store, writes)
        .compose(o -> store.scan(KeyPattern.parse("e/k"), null, 10, false))
        .compose(verified(ctx, p -> assertThat(keys(p)).isEqualTo("e/k")))
        .compose(p -> store.scan(KeyPattern.parse("e/k"), "e/k", 10, false))
        .compose(verified(ctx, p -> assertThat(keys(p)).isEmpty()))
        .compose(p -> store.scan(KeyPattern.parse("e/gone"), null, 10, false))
        .compose(verified(ctx, p -> assertThat(keys(p)).isEmpty()))
        .compose(p -> store.scan(KeyPattern.parse("e/gone"), null, 10, true))
        .compose(verified(ctx, p -> assertThat(keys(p)).isEqualTo("e/gone")))
        .compose(p -> store.scan(KeyPattern.parse("e/never"), null, 10, true))
        .onComplete(
            ctx.succeeding(
                p ->
                    ctx.verify(
                        () -> {
                          assertThat(keys(p)).isEmpty();
                          ctx.completeNow();
                        })));
  }

  @Test
  void prefixScanSkipsKeysThatOnlyLookLikeThePrefix(VertxTestContext ctx) {
    // '!', '-' and '.' sort between "p/a" and "p/a/", so they fall in the scanned key range.
    List<WriteCommand> writes = new ArrayList<>();
    for (String k : List.of("p/a", "p/a!", "p/a-1", "p/a.b", "p/a/1", "p/a/2/3", "p/a0", "p/b")) {
      writes.add(set(k, "1", null));
    }
    Future.all(writes.stream().map(store::submit).toList())
        .compose(o -> store.scan(KeyPattern.parse("p/a/#"), null, 10, false))
        .compose(verified(ctx, p -> assertThat(keys(p)).isEqualTo("p/a p/a/1 p/a/2/3")))
        .compose(o -> store.scan(KeyPattern.parse("p/a/+"), null, 1, false))
        .compose(verified(ctx, p -> assertThat(keys(p)).isEqualTo("p/a/1 next")))
        .compose(p -> store.scan(KeyPattern.parse("p/a/+"), p.next(), 1, false))
        .onComplete(
            ctx.succeeding(
                p ->
                    ctx.verify(
                        () -> {
                          assertThat(keys(p)).isEmpty();
                          assertThat(p.next()).isNull();
                          ctx.completeNow();
                        })));
  }

  private static String keys(StateStore.Page page) {
    List<String> parts = new ArrayList<>(page.entries().stream().map(StoredEntry::key).toList());
    if (page.next() != null) {
      parts.add("next");
    }
    return String.join(" ", parts);
  }

  @Test
  void changedSinceFindsRowsWrittenFromThatTimeTombstonesIncludedPageByPage(
      Vertx vertx, VertxTestContext ctx) {
    long[] since = new long[1];
    inSequence(store, List.of(set("cs/a", "1", null), set("cs/b", "1", null)))
        // A later millisecond for the second group, so that the time divides them exactly.
        .compose(first -> vertx.timer(20))
        .compose(
            t -> {
              since[0] = System.currentTimeMillis();
              return inSequence(store, List.of(set("cs/c", "1", null), delete("cs/b", null)));
            })
        .compose(
            second ->
                Future.all(
                    store.changedSince(since[0], null, 1),
                    store.changedSince(since[0], "cs/b", 1),
                    store.changedSince(since[0], "cs/c", 1),
                    store.changedSince(0, null, 10)))
        .onComplete(
            ctx.succeeding(
                pages ->
                    ctx.verify(
                        () -> {
                          StateStore.Page first = pages.resultAt(0);
                          assertThat(keys(first)).isEqualTo("cs/b next");
                          assertThat(first.entries().get(0).deleted()).isTrue();
                          assertThat(first.entries().get(0).version()).isEqualTo(2);
                          StateStore.Page second = pages.resultAt(1);
                          assertThat(keys(second)).isEqualTo("cs/c next");
                          assertThat(second.entries().get(0).valueJson()).isEqualTo("1");
                          assertThat(keys(pages.resultAt(2))).isEmpty();
                          assertThat(keys(pages.resultAt(3))).isEqualTo("cs/a cs/b cs/c");
                          ctx.completeNow();
                        })));
  }

  @Test
  void expiryFindsDueKeysAndDeletesOnlyThoseStillDue(VertxTestContext ctx) {
    long now = System.currentTimeMillis();
    inSequence(
            store,
            List.of(
                new WriteCommand.Set("t/short", "1", null, false, 1L, "tester", "s0"),
                new WriteCommand.Set("t/long", "1", null, false, 3_600_000L, "tester", "s0"),
                set("t/none", "1", null)))
        .compose(o -> store.expiredKeys(now + 60_000, 10))
        .compose(verified(ctx, keys -> assertThat(keys).containsExactly("t/short")))
        .compose(
            keys ->
                inSequence(
                    store,
                    List.of(
                        new WriteCommand.Expire("t/short", now + 60_000),
                        new WriteCommand.Expire("t/long", now + 60_000),
                        new WriteCommand.Expire("t/short", now + 60_000))))
        .compose(
            verified(
                ctx,
                o -> {
                  assertThat(o.get(0).change().deleted()).isTrue();
                  assertThat(o.get(0).change().by()).isEqualTo("$server");
                  assertThat(o.get(0).change().version()).isEqualTo(2);
                  assertThat(o.get(1).succeeded()).isTrue();
                  assertThat(o.get(1).change()).isNull();
                  assertThat(o.get(2).change()).isNull();
                }))
        .compose(o -> store.expiredKeys(now + 60_000, 10))
        .onComplete(
            ctx.succeeding(
                keys ->
                    ctx.verify(
                        () -> {
                          assertThat(keys).isEmpty();
                          ctx.completeNow();
                        })));
  }

  @Test
  void ephemeralKeysAreFoundByOwnerAndEndedOnlyWhileStillOwned(VertxTestContext ctx) {
    inSequence(
            store,
            List.of(
                new WriteCommand.Set("e/1", "1", null, true, null, "tester", "s1"),
                new WriteCommand.Set("e/2", "1", null, true, null, "tester", "s1"),
                new WriteCommand.Set("e/3", "1", null, true, null, "tester", "s2"),
                set("e/4", "1", null)))
        .compose(o -> store.keysOwnedBy("s1"))
        .compose(verified(ctx, keys -> assertThat(keys).containsExactly("e/1", "e/2")))
        .compose(
            keys ->
                inSequence(
                    store,
                    List.of(
                        set("e/2", "2", null),
                        new WriteCommand.EndEphemeral("e/1", "s1"),
                        new WriteCommand.EndEphemeral("e/2", "s1"))))
        .compose(
            verified(
                ctx,
                o -> {
                  assertThat(o.get(1).change().deleted()).isTrue();
                  assertThat(o.get(1).change().by()).isEqualTo("$server");
                  assertThat(o.get(2).change()).isNull();
                }))
        .compose(o -> store.keysOwnedBy("s1"))
        .onComplete(
            ctx.succeeding(
                keys ->
                    ctx.verify(
                        () -> {
                          assertThat(keys).isEmpty();
                          ctx.completeNow();
                        })));
  }

  // ---- presence and sessions ----

  @Test
  void presenceFollowsTheClientsSessions(VertxTestContext ctx) {
    String key = "$sys/clients/c1";
    WriteCommand refresh = new WriteCommand.RefreshPresence(key, "c1");
    long t = 1_000;
    sessions
        .open("s1", "c1", "n1", t, t + 10_000)
        .compose(v -> sessions.open("s2", "c1", "n2", t, t + 10_000))
        .compose(v -> sessions.open("other", "c2", "n2", t, t + 10_000))
        .compose(v -> store.submit(refresh))
        .compose(
            verified(
                ctx,
                o -> {
                  JsonObject value = new JsonObject(o.entry().valueJson());
                  assertThat(value.getBoolean("online")).isTrue();
                  assertThat(value.getLong("connections")).isEqualTo(2);
                  assertThat(o.change().by()).isEqualTo("$server");
                }))
        .compose(
            first ->
                sessions
                    .drop("s1", "n1", t, t + 1)
                    .compose(v -> store.submit(refresh))
                    .compose(
                        verified(
                            ctx,
                            o -> {
                              JsonObject value = new JsonObject(o.entry().valueJson());
                              assertThat(value.getLong("connections")).isEqualTo(1);
                              assertThat(value.getLong("since"))
                                  .isEqualTo(
                                      new JsonObject(first.entry().valueJson()).getLong("since"));
                            })))
        .compose(o -> sessions.drop("s2", "n2", t, t + 2))
        .compose(v -> sessions.markEnded("s1", t + 100_000, 30_000))
        .compose(v -> sessions.markEnded("s2", t + 100_000, 30_000))
        .compose(v -> store.submit(refresh))
        .onComplete(
            ctx.succeeding(
                o ->
                    ctx.verify(
                        () -> {
                          JsonObject value = new JsonObject(o.entry().valueJson());
                          assertThat(value.getBoolean("online")).isFalse();
                          assertThat(value.getLong("connections")).isZero();
                          assertThat(o.entry().version()).isEqualTo(3);
                          ctx.completeNow();
                        })));
  }

  @Test
  void aDroppedSessionCanBeResumedWithinItsGraceOnly(VertxTestContext ctx) {
    long grace = 30_000;
    sessions
        .open("s1", "c1", "n1", 1_000, 11_000)
        .compose(v -> sessions.drop("s1", "n2", 1_000, 2_000))
        .compose(v -> sessions.find("s1"))
        .compose(verified(ctx, s -> assertThat(s.connected()).isTrue()))
        .compose(v -> sessions.drop("s1", "n1", 1_000, 2_000))
        .compose(v -> sessions.resume("s1", "intruder", "n2", 3_000, 13_000, grace))
        .compose(verified(ctx, ok -> assertThat(ok).isFalse()))
        .compose(v -> sessions.resume("s1", "c1", "n2", 3_000, 13_000, grace))
        .compose(verified(ctx, ok -> assertThat(ok).isTrue()))
        .compose(v -> sessions.find("s1"))
        .compose(
            verified(
                ctx,
                s -> {
                  assertThat(s.nodeId()).isEqualTo("n2");
                  assertThat(s.connected()).isTrue();
                  assertThat(s.disconnectedAt()).isNull();
                  assertThat(s.leaseUntil()).isEqualTo(13_000);
                }))
        .compose(v -> sessions.drop("s1", "n2", 3_000, 4_000))
        .compose(v -> sessions.resume("s1", "c1", "n3", 4_000 + grace + 1, 50_000, grace))
        .compose(verified(ctx, ok -> assertThat(ok).isFalse()))
        .compose(v -> sessions.resume("nope", "c1", "n3", 5_000, 50_000, grace))
        .onComplete(
            ctx.succeeding(
                ok ->
                    ctx.verify(
                        () -> {
                          assertThat(ok).isFalse();
                          ctx.completeNow();
                        })));
  }

  @Test
  void sessionUpdatesCommittedTogetherFailOnlyTheBadOne(VertxTestContext ctx) {
    // Submitted together, these share one transaction; the duplicate id makes it fail, and each
    // statement then runs alone.
    Future<Void> first = sessions.open("dup", "c1", "n1", 1_000, 11_000);
    Future<Void> duplicate = sessions.open("dup", "c2", "n1", 1_000, 11_000);
    Future<Void> other = sessions.open("other", "c3", "n1", 1_000, 11_000);
    Future.join(first, duplicate, other)
        .transform(done -> sessions.find("dup"))
        .compose(
            verified(
                ctx,
                dup -> {
                  assertThat(first.succeeded()).isTrue();
                  assertThat(duplicate.failed()).isTrue();
                  assertThat(other.succeeded()).isTrue();
                  assertThat(dup.clientId()).isEqualTo("c1");
                }))
        .compose(v -> sessions.find("other"))
        .onComplete(
            ctx.succeeding(
                s ->
                    ctx.verify(
                        () -> {
                          assertThat(s.clientId()).isEqualTo("c3");
                          ctx.completeNow();
                        })));
  }

  @Test
  void endedSessionsArePrunedOnlyOnceTheyEndedBeforeTheCutoff(VertxTestContext ctx) {
    long grace = 30_000;
    sessions
        .open("old", "c1", "n1", 0, 10_000)
        .compose(v -> sessions.open("recent", "c1", "n1", 0, 10_000))
        .compose(v -> sessions.open("live", "c1", "n1", 0, 10_000))
        .compose(v -> sessions.drop("old", "n1", 0, 1_000))
        .compose(v -> sessions.drop("recent", "n1", 0, 5_000))
        .compose(v -> sessions.markEnded("old", 1_000 + grace + 1, grace))
        .compose(v -> sessions.markEnded("recent", 5_000 + grace + 1, grace))
        .compose(v -> sessions.pruneEnded(3_000))
        .compose(verified(ctx, deleted -> assertThat(deleted).isEqualTo(1)))
        .compose(
            v -> Future.all(sessions.find("old"), sessions.find("recent"), sessions.find("live")))
        .onComplete(
            ctx.succeeding(
                found ->
                    ctx.verify(
                        () -> {
                          assertThat((Object) found.resultAt(0)).isNull();
                          assertThat(found.<SessionRow>resultAt(1).ended()).isTrue();
                          assertThat(found.<SessionRow>resultAt(2).ended()).isFalse();
                          ctx.completeNow();
                        })));
  }

  @Test
  void aNodesEarlierRunLeavesItsConnectedSessionsDroppedAndNoOtherSession(VertxTestContext ctx) {
    sessions
        .open("crashed", "c1", "n1", 1_000, 11_000)
        .compose(v -> sessions.open("dropped", "c2", "n1", 1_000, 11_000))
        .compose(v -> sessions.drop("dropped", "n1", 1_000, 1_500))
        .compose(v -> sessions.open("elsewhere", "c3", "n2", 1_000, 11_000))
        .compose(v -> sessions.dropEarlierRun("n1", 5_000))
        .compose(verified(ctx, n -> assertThat(n).as("sessions marked").isEqualTo(1)))
        .compose(v -> sessions.find("crashed"))
        .compose(
            verified(
                ctx,
                s -> {
                  assertThat(s.connected()).isFalse();
                  assertThat(s.ended()).isFalse();
                  assertThat(s.disconnectedAt()).as("its grace starts now").isEqualTo(5_000L);
                }))
        .compose(v -> sessions.find("dropped"))
        .compose(verified(ctx, s -> assertThat(s.disconnectedAt()).isEqualTo(1_500L)))
        .compose(v -> sessions.find("elsewhere"))
        .onComplete(
            ctx.succeeding(
                s ->
                    ctx.verify(
                        () -> {
                          assertThat(s.connected()).isTrue();
                          ctx.completeNow();
                        })));
  }

  @Test
  void aDropAskedForAgainWhileTheFirstIsQueuedJoinsIt(VertxTestContext ctx) {
    sessions
        .open("s1", "c1", "n1", 1_000, 11_000)
        .compose(
            v -> {
              // as a connection that asks again while its first request is still queued
              Future<Boolean> first = sessions.drop("s1", "n1", 1_000, 2_000);
              Future<Boolean> again = sessions.drop("s1", "n1", 1_000, 2_000);
              Future<Boolean> other = sessions.drop("s2", "n1", 1_000, 2_000);
              ctx.verify(
                  () -> {
                    assertThat(again).as("one statement queued, not two").isSameAs(first);
                    assertThat(sessions.pendingDrops()).isEqualTo(2);
                  });
              return Future.all(first, again, other);
            })
        .compose(v -> sessions.find("s1"))
        .onComplete(
            ctx.succeeding(
                s ->
                    ctx.verify(
                        () -> {
                          assertThat(s.connected()).isFalse();
                          assertThat(s.disconnectedAt()).isEqualTo(2_000L);
                          assertThat(sessions.pendingDrops()).as("none left").isZero();
                          ctx.completeNow();
                        })));
  }

  @Test
  void aLateDropOfAnOlderConnectionLeavesTheResumedSessionConnected(VertxTestContext ctx) {
    sessions
        .open("s1", "c1", "n1", 1_000, 11_000)
        .compose(v -> sessions.resume("s1", "c1", "n1", 2_000, 12_000, 30_000))
        .compose(v -> sessions.drop("s1", "n1", 1_000, 2_500))
        .compose(v -> sessions.find("s1"))
        .compose(
            verified(
                ctx,
                s -> {
                  assertThat(s.connected()).isTrue();
                  assertThat(s.disconnectedAt()).isNull();
                }))
        .compose(v -> sessions.drop("s1", "n1", 2_000, 3_000))
        .compose(v -> sessions.find("s1"))
        .onComplete(
            ctx.succeeding(
                s ->
                    ctx.verify(
                        () -> {
                          assertThat(s.connected()).isFalse();
                          assertThat(s.disconnectedAt()).isEqualTo(3_000L);
                          ctx.completeNow();
                        })));
  }

  @Test
  void eachNodeReadsTheBroadcastNumbersTheOtherLiveNodesRecordedWithTheirLeases(
      VertxTestContext ctx) {
    renew("n1", 100_000, "n1/a", 5, 90_000)
        .compose(v -> renew("n2", 100_000, "n2/b", 7, 91_000))
        // a lease row made by a session's open records nothing until its node renews
        .compose(v -> sessions.open("s3", "c3", "n3", 0, 10_000))
        // a node that has not broadcast yet records 0: nothing to compare
        .compose(v -> renew("n4", 100_000, "n4/d", 0, 90_000))
        // a dead node's lease ran out long ago
        .compose(v -> renew("n5", 20_000, "n5/e", 3, 10_000))
        .compose(v -> renew("n2", 110_000, "n2/b", 9, 94_000))
        .compose(v -> sessions.broadcastsOfOtherNodes("n1", 95_000))
        .compose(
            verified(
                ctx,
                seen -> assertThat(seen).containsExactly(new BroadcastBeacon("n2/b", 9, 94_000))))
        .compose(v -> sessions.broadcastsOfOtherNodes("n2", 95_000))
        .compose(
            verified(
                ctx,
                seen -> assertThat(seen).containsExactly(new BroadcastBeacon("n1/a", 5, 90_000))))
        .compose(v -> sessions.broadcastsOfOtherNodes("n1", 0))
        .onComplete(
            ctx.succeeding(
                seen ->
                    ctx.verify(
                        () -> {
                          assertThat(seen)
                              .containsExactlyInAnyOrder(
                                  new BroadcastBeacon("n2/b", 9, 94_000),
                                  new BroadcastBeacon("n5/e", 3, 10_000));
                          ctx.completeNow();
                        })));
  }

  @Test
  void aRenewalThatLandsAfterANewerOneSetsNeitherTheLeaseNorTheBroadcastNumberBack(
      VertxTestContext ctx) {
    sessions
        .renewLeases("n1", 100_000, "n1/a", 5, 90_000, 2)
        // renewal 1, sent before the one above, lands after it
        .compose(v -> sessions.renewLeases("n1", 97_000, "n1/a", 4, 87_000, 1))
        // and one that lands late with a later lease (the clock was stepped forward and back)
        .compose(v -> sessions.renewLeases("n1", 500_000, "n1/a", 3, 490_000, 1))
        .compose(v -> sessions.broadcastsOfOtherNodes("n2", 100_000))
        .compose(
            verified(
                ctx,
                seen -> assertThat(seen).containsExactly(new BroadcastBeacon("n1/a", 5, 90_000))))
        // the node's clock was stepped back: its next renewal counts all the same
        .compose(v -> sessions.renewLeases("n1", 70_000, "n1/a", 6, 60_000, 3))
        .compose(v -> sessions.broadcastsOfOtherNodes("n2", 0))
        .compose(
            verified(
                ctx,
                seen -> assertThat(seen).containsExactly(new BroadcastBeacon("n1/a", 6, 60_000))))
        .compose(v -> sessions.broadcastsOfOtherNodes("n2", 70_001))
        .compose(verified(ctx, seen -> assertThat(seen).as("the lease went back too").isEmpty()))
        // the node started again: its first renewal counts
        .compose(v -> sessions.renewLeases("n1", 60_000, "n1/b", 1, 50_000, 1))
        .compose(v -> sessions.broadcastsOfOtherNodes("n2", 0))
        .onComplete(
            ctx.succeeding(
                seen ->
                    ctx.verify(
                        () -> {
                          assertThat(seen).containsExactly(new BroadcastBeacon("n1/b", 1, 50_000));
                          ctx.completeNow();
                        })));
  }

  @Test
  void writesThatArriveAfterTheDatabaseClosedAreRefusedAsUnavailable(
      Vertx vertx, VertxTestContext ctx) {
    // As when a node stops: sessions are dropped and writes arrive while it closes its database.
    Database.open(vertx, config)
        .compose(
            second ->
                second
                    .close()
                    .compose(
                        closed ->
                            new StateStore(vertx, second, config.maxBatch(), MAX_VALUE_BYTES)
                                .submit(set("late", "1", null)))
                    .compose(
                        outcome -> {
                          ctx.verify(
                              () -> {
                                assertThat(outcome.succeeded()).isFalse();
                                assertThat(outcome.error().code()).isEqualTo(ErrorCode.UNAVAILABLE);
                                assertThat(outcome.error().getMessage())
                                    .isEqualTo("the database is closed");
                              });
                          return new SessionStore(second).open("s-late", "c", "n1", 0, 10_000);
                        }))
        .onComplete(
            ctx.failing(
                refused ->
                    ctx.verify(
                        () -> {
                          // a retryable refusal, not an internal error
                          assertThat(refused).isInstanceOf(StateException.class);
                          assertThat(((StateException) refused).code())
                              .isEqualTo(ErrorCode.UNAVAILABLE);
                          ctx.completeNow();
                        })));
  }

  @Test
  void aNodeWhoseLeaseRenewalFailedMakesItsRowAgainWithItsNextSession(VertxTestContext ctx) {
    long grace = 30_000;
    // An origin the database refuses: too long for H2's column, and with a NUL, which
    // PostgreSQL's text refuses.
    String refused = "\u0000" + "x".repeat(400);
    sessions
        .open("s1", "c1", "n1", 0, 10_000)
        // n1's row is gone (a prune never deletes it while s1 has not ended, but a row can go
        // by other hands)
        .compose(v -> execute("DELETE FROM node_lease WHERE node_id = 'n1'"))
        .compose(v -> renew("n1", 20_000, refused, 1, 5_000))
        .transform(
            renewal -> {
              ctx.verify(() -> assertThat(renewal.failed()).as("the refused renewal").isTrue());
              return sessions.open("s2", "c2", "n1", 6_000, 16_000);
            })
        // once n1 stops renewing, the expiry sweep finds its sessions through its row
        .onComplete(expiredAt(ctx, 100_000, grace, "s1", "s2"));
  }

  @Test
  void aDeadNodesLeaseRowIsPrunedOnlyOnceNoSessionThatHasNotEndedNamesIt(VertxTestContext ctx) {
    long grace = 30_000;
    sessions
        // n2 died with a connected session, n3 with a dropped one, n4's session has ended
        .open("s2", "c2", "n2", 0, 10_000)
        .compose(v -> sessions.open("s3", "c3", "n3", 0, 10_000))
        .compose(v -> sessions.drop("s3", "n3", 0, 1_000))
        .compose(v -> sessions.open("s4", "c4", "n4", 0, 10_000))
        .compose(v -> sessions.drop("s4", "n4", 0, 1_000))
        .compose(v -> sessions.markEnded("s4", 1_000 + grace + 1, grace))
        .compose(v -> renew("n1", 10_000, "n1/a", 1, 5_000))
        .compose(v -> renew("n2", 10_000, "n2/b", 1, 5_000))
        .compose(v -> renew("n3", 10_000, "n3/c", 1, 5_000))
        .compose(v -> renew("n4", 10_000, "n4/d", 1, 5_000))
        // n5 renewed after the cutoff
        .compose(v -> renew("n5", 60_000, "n5/e", 1, 55_000))
        .compose(v -> sessions.pruneDeadNodes(50_000))
        .compose(verified(ctx, deleted -> assertThat(deleted).as("n1 and n4").isEqualTo(2)))
        .compose(v -> sessions.broadcastsOfOtherNodes("none", 0))
        .compose(
            verified(
                ctx,
                left ->
                    assertThat(left)
                        .extracting(BroadcastBeacon::origin)
                        .containsExactlyInAnyOrder("n2/b", "n3/c", "n5/e")))
        // the expiry sweep still finds the dead node's connected session through its row
        .onComplete(expiredAt(ctx, 100_000, grace, "s2", "s3"));
  }

  /**
   * Once the chain it ends has succeeded: the expiry sweep at {@code now} finds exactly the
   * sessions {@code ids}, and the test completes.
   */
  private <T> Handler<AsyncResult<T>> expiredAt(
      VertxTestContext ctx, long now, long graceMs, String... ids) {
    return ctx.succeeding(
        v ->
            expired(sessions, now, graceMs)
                .onComplete(
                    ctx.succeeding(
                        expired ->
                            ctx.verify(
                                () -> {
                                  assertThat(expired)
                                      .extracting(SessionRow::id)
                                      .containsExactlyInAnyOrder(ids);
                                  ctx.completeNow();
                                }))));
  }

  private static Future<List<SessionRow>> expired(SessionStore store, long now, long graceMs) {
    return store
        .findExpired(now, graceMs, 10, SessionOp.ExpiredFrom.START)
        .map(SessionOp.Expired::sessions);
  }

  @Test
  void searchesForExpiredSessionsGoOnWhereTheLastStoppedAndStartAgainAfterTheEnd(
      VertxTestContext ctx) {
    long grace = 30_000;
    long now = 10_000 + grace + 1;
    // a1..a3 dropped, b1..b3 connected on a node that stopped renewing
    Future<Void> made = Future.succeededFuture();
    for (String id : List.of("a1", "a2", "a3")) {
      made =
          made.compose(v -> sessions.open(id, "c", "n1", 0, 10_000))
              .compose(v -> sessions.drop(id, "n1", 0, 10_000))
              .mapEmpty();
    }
    for (String id : List.of("b1", "b2", "b3")) {
      made = made.compose(v -> sessions.open(id, "c", "n2", 0, 10_000));
    }
    made.compose(v -> renew("n1", 100_000, "n1/a", 1, 0))
        .compose(v -> sessions.findExpired(now, grace, 2, SessionOp.ExpiredFrom.START))
        .compose(
            verified(
                ctx,
                first -> {
                  assertThat(first.sessions())
                      .extracting(SessionRow::id)
                      .containsExactly("a1", "a2", "b1", "b2");
                  assertThat(first.next()).isEqualTo(new SessionOp.ExpiredFrom("a2", "b2"));
                }))
        .compose(v -> sessions.findExpired(now, grace, 2, new SessionOp.ExpiredFrom("a2", "b2")))
        .compose(
            verified(
                ctx,
                second -> {
                  assertThat(second.sessions())
                      .extracting(SessionRow::id)
                      .containsExactly("a3", "b3");
                  assertThat(second.next())
                      .as("both kinds ran short: from the start again")
                      .isEqualTo(SessionOp.ExpiredFrom.START);
                }))
        .compose(v -> sessions.findExpired(now, grace, 2, new SessionOp.ExpiredFrom("a3", "a")))
        .onComplete(
            ctx.succeeding(
                third ->
                    ctx.verify(
                        () -> {
                          assertThat(third.sessions())
                              .extracting(SessionRow::id)
                              .containsExactly("b1", "b2");
                          assertThat(third.next()).isEqualTo(new SessionOp.ExpiredFrom("", "b2"));
                          ctx.completeNow();
                        })));
  }

  @Test
  void aSessionOfADeadNodeExpiresOnceItsLeaseAndGraceRunOut(VertxTestContext ctx) {
    long grace = 30_000;
    sessions
        .open("live", "c1", "n1", 0, 10_000)
        .compose(v -> sessions.open("dead", "c2", "n2", 0, 10_000))
        .compose(v -> sessions.open("dropped", "c3", "n1", 0, 10_000))
        .compose(v -> sessions.drop("dropped", "n1", 0, 10_000))
        .compose(v -> renew("n1", 100_000, "n1/a", 0, 0))
        .compose(v -> expired(sessions, 10_000 + grace, grace))
        .compose(verified(ctx, rows -> assertThat(rows).isEmpty()))
        .compose(v -> expired(sessions, 10_000 + grace + 1, grace))
        .compose(
            verified(
                ctx,
                rows ->
                    assertThat(rows)
                        .extracting(r -> r.id())
                        .containsExactlyInAnyOrder("dead", "dropped")))
        .compose(v -> sessions.resume("dead", "c2", "n1", 10_000 + grace, 100_000, grace))
        .compose(verified(ctx, ok -> assertThat(ok).isTrue()))
        .compose(v -> sessions.markEnded("dead", 10_000 + grace + 1, grace))
        .compose(verified(ctx, ended -> assertThat(ended).isFalse()))
        .compose(v -> sessions.markEnded("dropped", 10_000 + grace + 1, grace))
        .compose(verified(ctx, ended -> assertThat(ended).isTrue()))
        .compose(v -> sessions.markEnded("dropped", 10_000 + grace + 2, grace))
        .compose(verified(ctx, ended -> assertThat(ended).isFalse()))
        .compose(v -> sessions.resume("dropped", "c3", "n1", 11_000, 100_000, grace))
        .compose(verified(ctx, ok -> assertThat(ok).isFalse()))
        .compose(v -> expired(sessions, 1_000_000, grace))
        .onComplete(
            ctx.succeeding(
                rows ->
                    ctx.verify(
                        () -> {
                          // "live" was renewed to 100000 and "dead" resumed with lease 100000.
                          assertThat(rows).extracting(r -> r.id()).containsExactly("dead", "live");
                          ctx.completeNow();
                        })));
  }

  @Test
  void aSessionWhoseEndBeganIsResumedByNoOneEvenWithinItsGraceAndIsFoundAgainUntilItEnds(
      VertxTestContext ctx) {
    // The expiry sweep's race with a resume: the resume was dated (and its grace checked) before
    // the sweep began the end, and reaches the database after. It must lose: the sweep deletes the
    // session's ephemeral keys next.
    long grace = 30_000;
    long dropped = 2_000;
    long sweep = dropped + grace + 1;
    long lateResume = dropped + grace - 5;
    sessions
        .open("s1", "c1", "n1", 1_000, 11_000)
        .compose(v -> sessions.drop("s1", "n1", 1_000, dropped))
        .compose(v -> sessions.beginEnd("s1", sweep, grace))
        .compose(verified(ctx, begun -> assertThat(begun).isTrue()))
        .compose(v -> sessions.resume("s1", "c1", "n2", lateResume, 50_000, grace))
        .compose(verified(ctx, ok -> assertThat(ok).isFalse()))
        // a sweep that failed after beginning finds the session again, and begins again
        .compose(v -> expired(sessions, lateResume, grace))
        .compose(verified(ctx, rows -> assertThat(rows).extracting(SessionRow::id).contains("s1")))
        .compose(v -> sessions.beginEnd("s1", lateResume, grace))
        .compose(verified(ctx, begun -> assertThat(begun).isTrue()))
        .compose(v -> sessions.markEnded("s1", lateResume, grace))
        .compose(verified(ctx, ended -> assertThat(ended).isTrue()))
        .compose(v -> sessions.beginEnd("s1", sweep, grace))
        .compose(verified(ctx, begun -> assertThat(begun).isFalse()))
        .compose(v -> expired(sessions, sweep, grace))
        .onComplete(
            ctx.succeeding(
                rows ->
                    ctx.verify(
                        () -> {
                          assertThat(rows).extracting(SessionRow::id).doesNotContain("s1");
                          ctx.completeNow();
                        })));
  }

  @Test
  void onOneNodeAResumeConnectedBeforeTheSessionsCurrentConnectionIsRefusedAndOnAnotherNodeIsNot(
      VertxTestContext ctx) {
    // two resumes of one session racing on one node: the one that connected later must own it
    long grace = 30_000;
    sessions
        .open("s1", "c1", "n1", 1_000, 100_000)
        .compose(v -> sessions.resume("s1", "c1", "n1", 5_000, 100_000, grace))
        .compose(verified(ctx, ok -> assertThat(ok).isTrue()))
        .compose(v -> sessions.resume("s1", "c1", "n1", 4_000, 100_000, grace))
        .compose(verified(ctx, ok -> assertThat(ok).isFalse()))
        .compose(v -> sessions.resumedHereLater("s1", "c1", "n1", 4_000))
        .compose(verified(ctx, later -> assertThat(later).as("why it failed").isTrue()))
        .compose(v -> sessions.resumedHereLater("s1", "intruder", "n1", 4_000))
        .compose(verified(ctx, later -> assertThat(later).isFalse()))
        .compose(v -> sessions.resume("s1", "c1", "n1", 5_000, 100_000, grace))
        .compose(verified(ctx, ok -> assertThat(ok).isFalse()))
        .compose(v -> sessions.resumedHereLater("s1", "c1", "n1", 5_000))
        .compose(verified(ctx, later -> assertThat(later).isFalse()))
        .compose(v -> sessions.resumedHereLater("s1", "c1", "n2", 4_000))
        .compose(verified(ctx, later -> assertThat(later).isFalse()))
        .compose(v -> sessions.resume("s1", "c1", "n2", 4_000, 100_000, grace))
        .compose(verified(ctx, ok -> assertThat(ok).isTrue()))
        .compose(v -> sessions.resume("s1", "c1", "n1", 3_000, 100_000, grace))
        .compose(verified(ctx, ok -> assertThat(ok).isTrue()))
        .compose(v -> sessions.find("s1"))
        .compose(
            verified(
                ctx,
                s -> {
                  assertThat(s.nodeId()).isEqualTo("n1");
                  assertThat(s.connectedAt()).isEqualTo(3_000);
                }))
        // dropped, its connection is gone: a resume on the node is not compared with it (the
        // node may have restarted under its id with its clock behind the earlier run's)
        .compose(v -> sessions.drop("s1", "n1", 3_000, 6_000))
        .compose(v -> sessions.resume("s1", "c1", "n1", 2_000, 100_000, grace))
        .onComplete(
            ctx.succeeding(
                ok ->
                    ctx.verify(
                        () -> {
                          assertThat(ok).isTrue();
                          ctx.completeNow();
                        })));
  }

  @Test
  void aSessionResumedBeforeItsEndBeganIsNotEndedAndADeadNodesSessionsEndBeginsOnlyPastItsLease(
      VertxTestContext ctx) {
    long grace = 30_000;
    sessions
        .open("resumed", "c1", "n1", 1_000, 11_000)
        .compose(v -> sessions.drop("resumed", "n1", 1_000, 2_000))
        .compose(v -> sessions.resume("resumed", "c1", "n2", 2_000 + grace - 5, 100_000, grace))
        .compose(verified(ctx, ok -> assertThat(ok).isTrue()))
        .compose(v -> sessions.beginEnd("resumed", 2_000 + grace + 1, grace))
        .compose(verified(ctx, begun -> assertThat(begun).isFalse()))
        .compose(v -> sessions.open("dead", "c2", "n3", 0, 10_000))
        .compose(v -> sessions.beginEnd("dead", 10_000 + grace, grace))
        .compose(verified(ctx, begun -> assertThat(begun).isFalse()))
        .compose(v -> sessions.beginEnd("dead", 10_000 + grace + 1, grace))
        .compose(verified(ctx, begun -> assertThat(begun).isTrue()))
        .compose(v -> sessions.resume("dead", "c2", "n2", 10_000 + grace, 100_000, grace))
        .compose(verified(ctx, ok -> assertThat(ok).isFalse()))
        .compose(v -> sessions.find("resumed"))
        .compose(
            verified(
                ctx,
                s -> {
                  assertThat(s.connected()).isTrue();
                  assertThat(s.ended()).isFalse();
                }))
        .compose(v -> sessions.find("dead"))
        .onComplete(
            ctx.succeeding(
                s ->
                    ctx.verify(
                        () -> {
                          // no longer vouched for by its node's lease: counted as not connected
                          assertThat(s.connected()).isFalse();
                          assertThat(s.ended()).isFalse();
                          ctx.completeNow();
                        })));
  }

  // ---- two nodes ----

  @Test
  void twoStoresIncrementingOneCounterWithRetriesCountExactly(Vertx vertx, VertxTestContext ctx) {
    int workersPerNode = 4;
    int incrementsPerWorker = 15;
    Database.open(vertx, config)
        .compose(
            second -> {
              StateStore node2 = new StateStore(vertx, second, config.maxBatch(), MAX_VALUE_BYTES);
              List<Future<Void>> workers = new ArrayList<>();
              for (int w = 0; w < workersPerNode; w++) {
                workers.add(increment(store, incrementsPerWorker));
                workers.add(increment(node2, incrementsPerWorker));
              }
              return Future.all(workers)
                  .compose(all -> second.close())
                  .compose(v -> store.get("count"));
            })
        .onComplete(
            ctx.succeeding(
                e ->
                    ctx.verify(
                        () -> {
                          int total = 2 * workersPerNode * incrementsPerWorker;
                          assertThat(e.valueJson()).isEqualTo("" + total);
                          assertThat(e.version()).isEqualTo(total);
                          ctx.completeNow();
                        })));
  }

  @Test
  void twoStoresBlindlyWritingOneKeyGiveEveryWriteItsOwnVersion(Vertx vertx, VertxTestContext ctx) {
    // No compare-and-set: only the store's own conflict check keeps two nodes that read the same
    // version from both writing the next one.
    int writesPerNode = 300;
    Database.open(vertx, config)
        .compose(
            second -> {
              StateStore node2 = new StateStore(vertx, second, config.maxBatch(), MAX_VALUE_BYTES);
              List<Future<WriteOutcome>> all = new ArrayList<>();
              for (int i = 0; i < writesPerNode; i++) {
                all.add(store.submit(set("blind", "" + i, null)));
                all.add(node2.submit(set("blind", "" + i, null)));
              }
              return Future.all(all)
                  .compose(done -> second.close())
                  .compose(v -> store.get("blind"))
                  .map(last -> Map.entry(last, all));
            })
        .onComplete(
            ctx.succeeding(
                result ->
                    ctx.verify(
                        () -> {
                          assertThat(result.getValue()).allMatch(f -> f.result().succeeded());
                          List<Long> versions =
                              result.getValue().stream()
                                  .map(f -> f.result().entry().version())
                                  .toList();
                          assertThat(versions).doesNotHaveDuplicates();
                          assertThat(result.getKey().version()).isEqualTo(2L * writesPerNode);
                          ctx.completeNow();
                        })));
  }

  @Test
  void aRowChangedAfterItWasReadIsWrittenAgainOnTopOfTheNewVersion(
      Vertx vertx, VertxTestContext ctx) {
    // Another node's transaction (a plain connection here) changes the row and holds its lock
    // until after this store has read it; the store's conditional update then finds nothing,
    // and its retry writes on top of the other node's version instead of over it.
    inSequence(store, List.of(set("contended", "1", null)))
        .compose(
            first ->
                vertx.executeBlocking(
                    () -> {
                      Connection other =
                          DriverManager.getConnection(
                              config.url(), config.user(), config.password());
                      other.setAutoCommit(false);
                      try (PreparedStatement ps =
                          other.prepareStatement(
                              "UPDATE state_entry SET entry_value = '2', version = 2"
                                  + " WHERE entry_key = 'contended'")) {
                        ps.executeUpdate();
                      }
                      return other;
                    }))
        .compose(
            other -> {
              Future<WriteOutcome> write = store.submit(set("contended", "3", null));
              // the store reads at once; the other transaction commits half a second later
              return commitAfter(vertx, other, 500).compose(v -> write);
            })
        .compose(written -> store.get("contended").map(now -> Map.entry(written, now)))
        .onComplete(
            ctx.succeeding(
                result ->
                    ctx.verify(
                        () -> {
                          assertThat(result.getKey().succeeded()).isTrue();
                          assertThat(result.getKey().entry().version()).isEqualTo(3);
                          assertThat(result.getValue().version()).isEqualTo(3);
                          assertThat(result.getValue().valueJson()).isEqualTo("3");
                          assertThat(store.transactionsRetried()).isGreaterThanOrEqualTo(1);
                          ctx.completeNow();
                        })));
  }

  @Test
  void aLockingAndAnUnlockedStoreBlindlyWritingOneKeyGiveEveryWriteItsOwnVersion(
      Vertx vertx, VertxTestContext ctx) {
    store.lockFromTheStart();
    twoStoresBlindlyWritingOneKeyGiveEveryWriteItsOwnVersion(vertx, ctx);
  }

  private Future<Void> increment(StateStore node, int remaining) {
    if (remaining == 0) {
      return Future.succeededFuture();
    }
    return node.get("count")
        .compose(
            e -> {
              long next = e.exists() ? Long.parseLong(e.valueJson()) + 1 : 1;
              return node.submit(set("count", "" + next, e.visibleVersion()));
            })
        .compose(
            o -> {
              if (o.succeeded()) {
                return increment(node, remaining - 1);
              }
              if (o.error().code() == ErrorCode.VERSION_CONFLICT) {
                return increment(node, remaining);
              }
              return Future.failedFuture(o.error());
            });
  }

  @Test
  void failedWritesOnAbsentKeysLeaveNoRows(VertxTestContext ctx) {
    failedWritesOnAbsentKeysLeaveNoRowsOnEitherPath(ctx);
  }

  @Test
  void failedWritesOnAbsentKeysLeaveNoRowsOnTheLockingPath(VertxTestContext ctx) {
    // the locking path inserts a placeholder per new key and must remove the unused ones
    store.lockFromTheStart();
    failedWritesOnAbsentKeysLeaveNoRowsOnEitherPath(ctx);
  }

  private void failedWritesOnAbsentKeysLeaveNoRowsOnEitherPath(VertxTestContext ctx) {
    List<WriteCommand> writes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      writes.add(delete("gone/" + i, null));
      writes.add(set("cas/" + i, "1", 3L));
    }
    writes.add(set("kept/1", "1", null));
    Future.all(writes.stream().map(store::submit).toList())
        .onComplete(
            ctx.succeeding(
                all ->
                    ctx.verify(
                        () -> {
                          assertThat(stateRowCount()).isEqualTo(1);
                          ctx.completeNow();
                        })));
  }

  @Test
  void twoStoresRacingFailedAndSuccessfulWritesOnNewKeysNeverFail(
      Vertx vertx, VertxTestContext ctx) {
    racingFailedAndSuccessfulWritesOnNewKeys(vertx, ctx, false);
  }

  @Test
  void twoLockingStoresRacingFailedAndSuccessfulWritesOnNewKeysNeverFail(
      Vertx vertx, VertxTestContext ctx) {
    racingFailedAndSuccessfulWritesOnNewKeys(vertx, ctx, true);
  }

  private void racingFailedAndSuccessfulWritesOnNewKeys(
      Vertx vertx, VertxTestContext ctx, boolean bothLock) {
    // One node's failed writes insert and delete the placeholders (locking path) that the other
    // node's writes may be waiting on, whether those read without locks first or lock too.
    store.lockFromTheStart();
    Database.open(vertx, config)
        .compose(
            second -> {
              StateStore node2 = new StateStore(vertx, second, config.maxBatch(), MAX_VALUE_BYTES);
              if (bothLock) {
                node2.lockFromTheStart();
              }
              List<Future<WriteOutcome>> failing = new ArrayList<>();
              List<Future<WriteOutcome>> creating = new ArrayList<>();
              for (int i = 0; i < 200; i++) {
                failing.add(store.submit(delete("race/" + i, null)));
                creating.add(node2.submit(set("race/" + (199 - i), "2", null)));
              }
              return Future.join(new ArrayList<Future<?>>(failing))
                  .transform(f -> Future.join(new ArrayList<Future<?>>(creating)))
                  .compose(done -> second.close())
                  .map(v -> creating);
            })
        .onComplete(
            ctx.succeeding(
                creating ->
                    ctx.verify(
                        () -> {
                          assertThat(creating)
                              .allMatch(f -> f.succeeded() && f.result().succeeded());
                          assertThat(stateRowCount()).isEqualTo(200);
                          ctx.completeNow();
                        })));
  }

  @Test
  void aKeyWrittenAfterItsTombstoneWasPurgedStartsAboveEveryPurgedVersion(VertxTestContext ctx) {
    keysAfterAPurgeStartAboveEveryPurgedVersion(ctx);
  }

  @Test
  void aKeyWrittenAfterItsTombstoneWasPurgedStartsAboveEveryPurgedVersionOnTheLockingPath(
      VertxTestContext ctx) {
    store.lockFromTheStart();
    keysAfterAPurgeStartAboveEveryPurgedVersion(ctx);
  }

  private void keysAfterAPurgeStartAboveEveryPurgedVersion(VertxTestContext ctx) {
    TombstonePurge purge = new TombstonePurge(database.pool(), database.writer());
    inSequence(
            store,
            List.of(
                set("old/a", "1", null),
                set("old/a", "2", null),
                set("old/a", "3", null),
                delete("old/a", null),
                set("old/b", "1", null),
                delete("old/b", null),
                set("live", "1", null)))
        // everything so far is older than the cutoff
        .compose(v -> purge.run(System.currentTimeMillis() + 1, System.currentTimeMillis()))
        .compose(
            verified(
                ctx,
                run ->
                    assertThat(run).as("two tombstones").isEqualTo(new TombstonePurge.Run(2, 0))))
        .compose(v -> store.get("old/a"))
        .compose(verified(ctx, gone -> assertThat(gone.version()).isZero()))
        .compose(
            v ->
                inSequence(
                    store,
                    List.of(
                        // failed writes of keys without a row still leave no row
                        delete("old/b", null),
                        set("old/b", "7", 2L),
                        set("old/a", "8", 0L),
                        set("never/written", "1", null),
                        set("live", "2", null))))
        .onComplete(
            ctx.succeeding(
                outcomes ->
                    ctx.verify(
                        () -> {
                          assertThat(outcomes.get(0).error().code()).isEqualTo(ErrorCode.NOT_FOUND);
                          assertThat(outcomes.get(1).error().code())
                              .isEqualTo(ErrorCode.VERSION_CONFLICT);
                          // old/a's tombstone had version 4: above it, never 1 again
                          assertThat(outcomes.get(2).entry().version()).isEqualTo(5);
                          assertThat(outcomes.get(3).entry().version()).isEqualTo(5);
                          assertThat(outcomes.get(4).entry().version()).isEqualTo(2);
                          assertThat(stateRowCount()).as("old/a, never/written, live").isEqualTo(3);
                          ctx.completeNow();
                        })));
  }

  @Test
  void aPurgeDeletesOnlyTombstonesOlderThanTheCutoffInBatches(VertxTestContext ctx) {
    TombstonePurge purge = new TombstonePurge(database.pool(), database.writer());
    List<WriteCommand> writes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      writes.add(set("k/" + i, "1", null));
      writes.add(delete("k/" + i, null));
    }
    writes.add(set("recent", "1", null));
    writes.add(delete("recent", null));
    writes.add(set("k/9", "1", null));
    inSequence(store, writes)
        // deleted in 1970, except "recent"
        .compose(
            v -> execute("UPDATE state_entry SET updated_at = 1000 WHERE entry_key LIKE 'k/%'"))
        .compose(v -> purge.batch(2000, "", 2))
        .compose(
            verified(
                ctx, b -> assertThat(b).isEqualTo(new TombstonePurge.Batch(2, 2, "k/1", true))))
        .compose(v -> purge.run(2000, System.currentTimeMillis()))
        .onComplete(
            ctx.succeeding(
                run ->
                    ctx.verify(
                        () -> {
                          assertThat(run.deleted()).as("the other three").isEqualTo(3);
                          assertThat(stateRowCount()).as("recent and k/9").isEqualTo(2);
                          ctx.completeNow();
                        })));
  }

  @Test
  void noTombstoneIsPurgedWhileANodeOfAnEarlierReleaseHoldsALease(VertxTestContext ctx) {
    TombstonePurge purge = new TombstonePurge(database.pool(), database.writer());
    long now = System.currentTimeMillis();
    inSequence(store, List.of(set("k", "1", null), delete("k", null)))
        .compose(v -> renew("this-release", now + 10_000, "o/a", 0, now))
        // an earlier release's renewal leaves reads_version_floor FALSE, as this insert does
        .compose(
            v ->
                execute(
                    "INSERT INTO node_lease (node_id, lease_until) VALUES ('earlier', "
                        + (now + 10_000)
                        + ")"))
        .compose(v -> purge.run(now + 60_000, now))
        .compose(verified(ctx, run -> assertThat(run).isEqualTo(new TombstonePurge.Run(0, 1))))
        .compose(v -> store.get("k"))
        .compose(verified(ctx, kept -> assertThat(kept.version()).isEqualTo(2)))
        // once its lease has run out it no longer holds the purge back
        .compose(v -> purge.run(now + 60_000, now + 10_001))
        .onComplete(
            ctx.succeeding(
                run ->
                    ctx.verify(
                        () -> {
                          assertThat(run).isEqualTo(new TombstonePurge.Run(1, 0));
                          ctx.completeNow();
                        })));
  }

  @Test
  void aPurgeLeavesATombstoneThatAnotherNodeDeletedAgainWhileItWaits(
      Vertx vertx, VertxTestContext ctx) throws Exception {
    TombstonePurge purge = new TombstonePurge(database.pool(), database.writer());
    Connection other = DriverManager.getConnection(config.url(), config.user(), config.password());
    other.setAutoCommit(false);
    inSequence(store, List.of(set("k", "1", null), delete("k", null)))
        .compose(
            v ->
                vertx.executeBlocking(
                    () -> {
                      // another node writes k and deletes it again (versions 3 and 4, one
                      // transaction), holding the row's lock until it commits
                      try (var s = other.createStatement()) {
                        return s.executeUpdate(
                            "UPDATE state_entry SET version = 4 WHERE entry_key = 'k' AND version = 2");
                      }
                    }))
        .compose(
            updated -> {
              Future<TombstonePurge.Batch> purged =
                  purge.batch(System.currentTimeMillis() + 1, "", 10);
              return commitAfter(vertx, other, 300).compose(v -> purged);
            })
        .compose(
            verified(
                ctx, b -> assertThat(b.deleted()).as("the row it read was written over").isZero()))
        .compose(v -> store.get("k"))
        .compose(verified(ctx, kept -> assertThat(kept.version()).isEqualTo(4)))
        // the floor is 2 (the version the purge read): only the kept tombstone says 4
        .compose(v -> store.submit(set("k", "5", null)))
        .onComplete(
            ctx.succeeding(
                written ->
                    ctx.verify(
                        () -> {
                          assertThat(written.entry().version()).isEqualTo(5);
                          ctx.completeNow();
                        })));
  }

  /** Commits and closes another node's connection after a delay, off the event loop. */
  private static Future<Void> commitAfter(Vertx vertx, Connection other, long delayMs) {
    return vertx
        .timer(delayMs)
        .compose(
            t ->
                vertx.executeBlocking(
                    () -> {
                      other.commit();
                      other.close();
                      return null;
                    }));
  }

  /** Runs one statement on a connection of its own, off the event loop. */
  private Future<Void> execute(String sql) {
    return Vertx.currentContext()
        .owner()
        .executeBlocking(
            () -> {
              try (Connection c =
                      DriverManager.getConnection(config.url(), config.user(), config.password());
                  var s = c.createStatement()) {
                s.executeUpdate(sql);
              }
              return null;
            });
  }

  private long stateRowCount() throws Exception {
    try (Connection c =
            DriverManager.getConnection(config.url(), config.user(), config.password());
        var rows = c.createStatement().executeQuery("SELECT COUNT(*) FROM state_entry")) {
      rows.next();
      return rows.getLong(1);
    }
  }

  @Test
  void twoStoresCreatingTheSameNewKeysNeverFailTheTransaction(Vertx vertx, VertxTestContext ctx) {
    Database.open(vertx, config)
        .compose(
            second -> {
              StateStore node2 = new StateStore(vertx, second, config.maxBatch(), MAX_VALUE_BYTES);
              List<Future<WriteOutcome>> all = new ArrayList<>();
              for (int i = 0; i < 200; i++) {
                all.add(store.submit(set("new/" + i, "1", 0L)));
                all.add(node2.submit(set("new/" + (199 - i), "2", 0L)));
              }
              return Future.all(all).compose(done -> second.close()).map(v -> all);
            })
        .onComplete(
            ctx.succeeding(
                all ->
                    ctx.verify(
                        () -> {
                          List<WriteOutcome> outcomes = all.stream().map(Future::result).toList();
                          assertThat(outcomes)
                              .allMatch(
                                  o ->
                                      o.succeeded()
                                          || o.error().code() == ErrorCode.VERSION_CONFLICT);
                          assertThat(outcomes.stream().filter(WriteOutcome::succeeded))
                              .hasSize(200);
                          ctx.completeNow();
                        })));
  }

  // ---- migrations ----

  @Test
  void sessionsConnectedBeforeNodeLeasesKeepTheirLeaseAfterTheMigration(
      Vertx vertx, VertxTestContext ctx) throws Exception {
    long grace = 30_000;
    ServerConfig.Db old = newDatabase();
    Migrations.configure(old).target(MigrationVersion.fromVersion("3")).load().migrate();
    try (Connection c = DriverManager.getConnection(old.url(), old.user(), old.password());
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO client_session (id, client_id, node_id, connected, connected_at,"
                    + " lease_until, ended) VALUES (?, 'c', ?, TRUE, 0, ?, FALSE)")) {
      insert.setString(1, "early");
      insert.setString(2, "n1");
      insert.setLong(3, 10_000);
      insert.executeUpdate();
      insert.setString(1, "late");
      insert.setString(2, "n1");
      insert.setLong(3, 50_000);
      insert.executeUpdate();
    }
    Database.open(vertx, old)
        .compose(
            migrated -> {
              SessionStore s = new SessionStore(migrated);
              // n1's lease is the latest lease of its sessions: neither expires before it.
              return expired(s, 50_000 + grace, grace)
                  .compose(verified(ctx, rows -> assertThat(rows).isEmpty()))
                  .compose(v -> expired(s, 50_001 + grace, grace))
                  .eventually(migrated::close);
            })
        .onComplete(
            ctx.succeeding(
                rows ->
                    ctx.verify(
                        () -> {
                          assertThat(rows).extracting(r -> r.id()).containsExactly("early", "late");
                          ctx.completeNow();
                        })));
  }

  @Test
  void migratingFromVersionOneKeepsTheData(Vertx vertx, VertxTestContext ctx) throws Exception {
    ServerConfig.Db old = newDatabase();
    Migrations.configure(old).target(MigrationVersion.fromVersion("1")).load().migrate();
    try (Connection c = DriverManager.getConnection(old.url(), old.user(), old.password());
        PreparedStatement insert =
            c.prepareStatement(
                "INSERT INTO state_entry (entry_key, entry_value, version, deleted, updated_at)"
                    + " VALUES (?, ?, ?, FALSE, ?)")) {
      insert.setString(1, "kept");
      insert.setString(2, "[1]");
      insert.setLong(3, 7);
      insert.setLong(4, 1);
      insert.executeUpdate();
    }
    Database.open(vertx, old)
        .compose(
            migrated -> {
              StateStore s = new StateStore(vertx, migrated, 10, MAX_VALUE_BYTES);
              return new SessionStore(migrated)
                  .open("s", "c", "n", 0, 1)
                  .compose(v -> s.submit(set("kept", "[2]", 7L)))
                  .eventually(migrated::close);
            })
        .onComplete(
            ctx.succeeding(
                o ->
                    ctx.verify(
                        () -> {
                          assertThat(o.entry().version()).isEqualTo(8);
                          ctx.completeNow();
                        })));
  }

  @Test
  void anEmptyDatabaseMigratesToTheLatestVersion() throws Exception {
    ServerConfig.Db empty = newDatabase();
    int known = Migrations.configure(empty).load().info().all().length;
    assertThat(known).isGreaterThanOrEqualTo(3);
    assertThat(Migrations.migrate(empty)).isEqualTo(known);
    assertThat(Migrations.migrate(empty)).isZero();
  }

  /**
   * Every earlier schema version holding data (a written key, from V1 on) migrates to the latest
   * and the data stays usable: the key's next write continues its version history.
   */
  @Test
  void everyEarlierVersionWithDataMigratesToTheLatest() throws Exception {
    ServerConfig.Db probe = newDatabase();
    var versions =
        java.util.Arrays.stream(Migrations.configure(probe).load().info().all())
            .map(m -> m.getVersion())
            .toList();
    for (MigrationVersion earlier : versions.subList(0, versions.size() - 1)) {
      ServerConfig.Db db = newDatabase();
      Migrations.configure(db).target(earlier).load().migrate();
      try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
          PreparedStatement insert =
              c.prepareStatement(
                  "INSERT INTO state_entry (entry_key, entry_value, version, deleted, updated_at)"
                      + " VALUES (?, ?, ?, FALSE, ?)")) {
        insert.setString(1, "kept");
        insert.setString(2, "{\"from\":\"" + earlier + "\"}");
        insert.setLong(3, 5);
        insert.setLong(4, 1);
        insert.executeUpdate();
      }
      assertThat(Migrations.migrate(db))
          .as("migrations applied on top of version %s", earlier)
          .isEqualTo(versions.size() - versions.indexOf(earlier) - 1);
      try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
          var rows =
              c.createStatement()
                  .executeQuery(
                      "SELECT entry_value, version FROM state_entry WHERE entry_key = 'kept'")) {
        assertThat(rows.next()).isTrue();
        assertThat(rows.getString(1)).contains(earlier.toString());
        assertThat(rows.getLong(2)).isEqualTo(5);
      }
    }
  }

  /** A renewal numbered after every earlier one of the test. */
  private Future<Void> renew(
      String nodeId, long leaseUntil, String origin, long broadcastSeq, long sampledAt) {
    return sessions.renewLeases(nodeId, leaseUntil, origin, broadcastSeq, sampledAt, ++renewals);
  }
}
