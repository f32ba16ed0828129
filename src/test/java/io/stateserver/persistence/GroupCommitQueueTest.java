package io.stateserver.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class GroupCommitQueueTest {

  @Test
  void aSubmittedItemKeepsTheQueueBusyBeforeItsContextHasTakenItIn(
      Vertx vertx, VertxTestContext ctx) throws Exception {
    GroupCommitQueue<Integer, Integer> queue =
        new GroupCommitQueue<>(
            vertx,
            100,
            batch -> Future.succeededFuture(batch.stream().map(Future::succeededFuture).toList()));
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    // Occupy the queue's context so that the item cannot reach it yet (the drain's race).
    queue
        .context()
        .runOnContext(
            v -> {
              held.countDown();
              awaitQuietly(release);
            });
    held.await();
    Future<Integer> result = queue.submit(7);
    boolean idleWhileInTransit = queue.idle();
    release.countDown();
    result.onComplete(
        ctx.succeeding(
            r ->
                ctx.verify(
                    () -> {
                      assertThat(idleWhileInTransit).isFalse();
                      assertThat(r).isEqualTo(7);
                      assertThat(queue.idle()).isTrue();
                      ctx.completeNow();
                    })));
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void itemsSubmittedWhileABatchRunsFormTheNextBatch(Vertx vertx, VertxTestContext ctx) {
    List<List<Integer>> batches = new ArrayList<>();
    List<Promise<Void>> gates = new ArrayList<>();
    GroupCommitQueue<Integer, Integer> queue =
        new GroupCommitQueue<>(
            vertx,
            100,
            batch -> {
              batches.add(batch);
              Promise<Void> gate = Promise.promise();
              gates.add(gate);
              return gate.future()
                  .map(v -> batch.stream().map(i -> Future.succeededFuture(i * 10)).toList());
            });
    Future<Integer> first = queue.submit(1);
    vertx.setTimer(
        50,
        t -> {
          // The first batch is still running: these three wait and go together.
          List<Future<Integer>> rest = IntStream.of(2, 3, 4).mapToObj(queue::submit).toList();
          vertx.setTimer(
              50,
              t2 -> {
                gates.get(0).complete();
                vertx.setTimer(
                    50,
                    t3 -> {
                      ctx.verify(
                          () -> {
                            assertThat(first.result()).isEqualTo(10);
                            assertThat(rest).noneMatch(Future::isComplete);
                          });
                      gates.get(1).complete();
                      Future.all(rest)
                          .onComplete(
                              ctx.succeeding(
                                  all ->
                                      ctx.verify(
                                          () -> {
                                            assertThat(batches)
                                                .containsExactly(List.of(1), List.of(2, 3, 4));
                                            assertThat(first.result()).isEqualTo(10);
                                            assertThat(rest.stream().map(Future::result))
                                                .containsExactly(20, 30, 40);
                                            assertThat(queue.idle()).isTrue();
                                            ctx.completeNow();
                                          })));
                    });
              });
        });
  }

  @Test
  void aFailedOrThrowingBatchFailsItsItemsAndTheQueueGoesOn(Vertx vertx, VertxTestContext ctx) {
    GroupCommitQueue<Integer, Integer> queue =
        new GroupCommitQueue<>(
            vertx,
            1,
            batch -> {
              int item = batch.get(0);
              if (item == 1) {
                return Future.failedFuture(new IllegalStateException("database down"));
              }
              if (item == 2) {
                throw new IllegalStateException("bug in the runner");
              }
              return Future.succeededFuture(List.of(Future.succeededFuture(item)));
            });
    Future<Integer> failed = queue.submit(1);
    Future<Integer> thrown = queue.submit(2);
    Future<Integer> fine = queue.submit(3);
    Future.join(failed, thrown, fine)
        .onComplete(
            done ->
                ctx.verify(
                    () -> {
                      assertThat(failed.cause()).hasMessage("database down");
                      assertThat(thrown.cause()).hasMessage("bug in the runner");
                      assertThat(fine.result()).isEqualTo(3);
                      ctx.completeNow();
                    }));
  }

  @Test
  void anItemThatWaitedLongerThanItsRequesterWaitsFailsWithoutRunning(
      Vertx vertx, VertxTestContext ctx) {
    AtomicLong clock = new AtomicLong();
    List<List<Integer>> batches = new ArrayList<>();
    Promise<Void> firstBatch = Promise.promise();
    GroupCommitQueue<Integer, Integer> queue =
        new GroupCommitQueue<>(
            vertx,
            100,
            batch -> {
              batches.add(batch);
              Future<Void> gate =
                  batches.size() == 1 ? firstBatch.future() : Future.succeededFuture();
              return gate.map(v -> batch.stream().map(Future::succeededFuture).toList());
            },
            1_000,
            clock::get,
            () -> new IllegalStateException("given up"));
    Future<Integer> running = queue.submit(1);
    // 2 and 3 queue behind the batch that is still running (a stalled commit) ...
    queue
        .context()
        .runOnContext(
            v -> {
              Future<Integer> stale = queue.submit(2);
              Future<Integer> waited = queue.submit(3);
              queue
                  .context()
                  .runOnContext(
                      v2 -> {
                        // ... and 2 waits past the limit, while 4 comes just before the batch ends
                        clock.set(1_001);
                        Future<Integer> fresh = queue.submit(4);
                        clock.set(1_500);
                        queue.context().runOnContext(v3 -> firstBatch.complete());
                        Future.join(running, stale, waited, fresh)
                            .onComplete(
                                done ->
                                    ctx.verify(
                                        () -> {
                                          assertThat(running.result()).isEqualTo(1);
                                          assertThat(stale.cause()).hasMessage("given up");
                                          assertThat(waited.cause()).hasMessage("given up");
                                          assertThat(fresh.result()).isEqualTo(4);
                                          assertThat(batches)
                                              .as("the given-up items never ran")
                                              .containsExactly(List.of(1), List.of(4));
                                          assertThat(queue.idle()).isTrue();
                                          ctx.completeNow();
                                        }));
                      });
            });
  }

  @Test
  void aBatchHoldsAtMostMaxBatchItems(Vertx vertx, VertxTestContext ctx) {
    List<Integer> sizes = new ArrayList<>();
    GroupCommitQueue<Integer, Integer> queue =
        new GroupCommitQueue<>(
            vertx,
            3,
            batch -> {
              sizes.add(batch.size());
              return Future.succeededFuture(batch.stream().map(Future::succeededFuture).toList());
            });
    Future.all(IntStream.range(0, 10).mapToObj(queue::submit).toList())
        .onComplete(
            ctx.succeeding(
                all ->
                    ctx.verify(
                        () -> {
                          assertThat(sizes).allMatch(size -> size <= 3);
                          assertThat(sizes.stream().mapToInt(Integer::intValue).sum())
                              .isEqualTo(10);
                          ctx.completeNow();
                        })));
  }
}
