package io.stateserver.connection;

import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * How long each client that a node sends away (a drain, a lost lease) waits before it reconnects.
 *
 * <p>Why not one delay for all: every client of the node would then reach the other nodes in the
 * same second, and a node takes new connections at about a thousand a second on two cores (S1 in
 * {@code docs/performance.md}); the rest would queue, time out and retry. So each client gets the
 * base delay plus a random share of a window that grows by {@link #PER_CLIENT_MS} for each client
 * sent away. The window stays within a third of the session grace: a client must resume its session
 * elsewhere before the grace ends it.
 */
public final class ReconnectSpread {
  /** The window's growth per client sent away: a thousand clients spread over a second. */
  public static final long PER_CLIENT_MS = 1;

  private ReconnectSpread() {}

  /**
   * The window over which {@code clients} clients are spread, for a session grace of {@code
   * graceMs}.
   */
  static long windowMs(int clients, long graceMs) {
    return Math.max(0, Math.min(clients * PER_CLIENT_MS, graceMs / 3));
  }

  /**
   * The delays for {@code clients} clients sent away at once: each call gives one client's, from
   * {@code baseMs} to {@code baseMs} plus the window. Safe to call from any thread.
   */
  public static LongSupplier delays(long baseMs, int clients, long graceMs) {
    long window = windowMs(clients, graceMs);
    return () -> baseMs + (window == 0 ? 0 : ThreadLocalRandom.current().nextLong(window + 1));
  }
}
