package io.stateserver.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.stateserver.support.BlockedThreads;
import io.stateserver.support.Eventually;
import io.stateserver.support.SharedServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The servers the tests start log a task that blocks an event loop for a little over the tests'
 * limit, with the stack where it blocks: the guard that makes blocking show up in the tests is in
 * force (the {@code vertx.options.*} system properties the pom once set are read by no part of
 * Vert.x 5, so for a while it was not, and only blocks over Vert.x's default of 2 s were logged).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class BlockedEventLoopWarningIT {
  private static final String CHECKER = "io.vertx.core.impl.BlockedThreadChecker";

  @RegisterExtension static final SharedServer server = new SharedServer();

  private final ListAppender<ILoggingEvent> captured = new ListAppender<>();

  private static Logger checkerLogger() {
    return ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(CHECKER);
  }

  @BeforeEach
  void capture() {
    captured.start();
    checkerLogger().addAppender(captured);
  }

  @AfterEach
  void release() {
    checkerLogger().detachAppender(captured);
    captured.stop();
  }

  @Test
  void aTaskThatBlocksAnEventLoopPastTheLimitIsLoggedWithItsStack(
      Vertx vertx, VertxTestContext ctx) {
    long blockMs = 3 * BlockedThreads.WARNING_MS;
    assertThat(blockMs).as("a block Vert.x's default limit would not report").isLessThan(2_000);
    server
        .server()
        .vertx()
        .runOnContext(
            v -> {
              try {
                Thread.sleep(blockMs); // the fault this guard is there to catch
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    Eventually.poll(
            vertx,
            () -> Future.succeededFuture(List.copyOf(captured.list)),
            events -> !events.isEmpty(),
            10_000)
        .onComplete(
            ctx.succeeding(
                events ->
                    ctx.verify(
                            () -> {
                              ILoggingEvent warning = events.get(0);
                              assertThat(warning.getLevel()).isEqualTo(Level.WARN);
                              assertThat(warning.getFormattedMessage())
                                  .contains("has been blocked for");
                              assertThat(ThrowableProxyUtil.asString(warning.getThrowableProxy()))
                                  .as("the stack where the loop is held")
                                  .contains("BlockedEventLoopWarningIT");
                            })
                        .completeNow()));
  }
}
