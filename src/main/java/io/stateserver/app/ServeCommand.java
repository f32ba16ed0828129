package io.stateserver.app;

import io.stateserver.config.ConfigException;
import io.stateserver.config.ConfigLoader;
import io.stateserver.config.ServerConfig;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * Runs a node until SIGTERM or SIGINT, then drains it and exits 0. A JVM shutdown hook cannot
 * choose the exit status (it would be 143), so the signals are handled directly.
 */
public final class ServeCommand {
  private static final Logger log = LoggerFactory.getLogger(ServeCommand.class);

  private ServeCommand() {}

  /**
   * @return -1 while the server runs (the signal handler exits), or an exit code on failure
   */
  public static int run(String[] args) {
    ServerConfig config;
    try {
      config = ConfigLoader.load(args, System.getenv());
    } catch (ConfigException e) {
      System.err.println("configuration error: " + e.getMessage());
      return 2;
    }
    StateServer server;
    try {
      server =
          StateServer.start(config)
              .toCompletionStage()
              .toCompletableFuture()
              .get(120, TimeUnit.SECONDS);
    } catch (ConfigException e) {
      System.err.println("configuration error: " + e.getMessage());
      return 2;
    } catch (ExecutionException e) {
      // key files are read once Vert.x runs, so their errors arrive through the future
      if (e.getCause() instanceof ConfigException refused) {
        System.err.println("configuration error: " + refused.getMessage());
        return 2;
      }
      log.error("start failed", e.getCause());
      return 1;
    } catch (Exception e) {
      log.error("start failed", e);
      return 1;
    }
    CountDownLatch once = new CountDownLatch(1);
    Runnable drainAndExit =
        () -> {
          if (once.getCount() == 0) {
            return;
          }
          once.countDown();
          server
              .drain()
              .onComplete(
                  ar -> {
                    if (ar.failed()) {
                      log.warn("drain incomplete [cause: {}]", ar.cause().getMessage());
                    }
                    log.info("stopped [node: {}]", config.nodeId());
                    Runtime.getRuntime().halt(0);
                  });
        };
    Signal.handle(new Signal("TERM"), s -> drainAndExit.run());
    Signal.handle(new Signal("INT"), s -> drainAndExit.run());
    return -1;
  }
}
