package io.stateserver.support;

/**
 * The blocked-thread limit of every server a test starts, in this JVM or as a child process: low,
 * so that a task that blocks an event loop is logged with its stack (the pom sets it for the
 * surefire and failsafe JVMs, and the Vert.x instances that vertx-junit5 injects get the same from
 * {@code src/test/resources/vertx-test-options.json}).
 */
public final class BlockedThreads {
  public static final long WARNING_MS = Long.getLong("stateserver.test.blockedWarningMs", 200);

  private BlockedThreads() {}
}
