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
 * sent away, up to a bound: a client must resume its session elsewhere before the grace ends it.
 */
public final class ReconnectSpread {
  /** The window's growth per client sent away: a thousand clients spread over a second. */
  public static final long PER_CLIENT_MS = 1;

  /** Time kept for the reconnect itself (handshake, token check, resume) before the grace ends. */
  static final long RESUME_MARGIN_MS = 3_000;

  private ReconnectSpread() {}

  /**
   * The widest window for a drain, whose clients' grace starts as they are sent away: a third of
   * the grace.
   */
  public static long drainWindowMs(long graceMs) {
    return graceMs / 3;
  }

  /**
   * The widest window for clients sent away after this node's lease ran out at {@code ranOutAt}:
   * the other nodes end their sessions a grace after that, and part of it has gone by {@code now}
   * (the renewal that found the lease lost can fail well after it ran out). At most a third of the
   * grace, and never more than what is left of it once the base delay and {@link #RESUME_MARGIN_MS}
   * are kept.
   */
  public static long leaseLostWindowMs(long ranOutAt, long now, long baseMs, long graceMs) {
    long left = ranOutAt + graceMs - now - baseMs - RESUME_MARGIN_MS;
    return Math.max(0, Math.min(graceMs / 3, left));
  }

  /** The window over which {@code clients} clients are spread, at most {@code maxWindowMs}. */
  static long windowMs(int clients, long maxWindowMs) {
    return Math.max(0, Math.min(clients * PER_CLIENT_MS, maxWindowMs));
  }

  /**
   * The delays for {@code clients} clients sent away at once: each call gives one client's, from
   * {@code baseMs} to {@code baseMs} plus the window. Safe to call from any thread.
   */
  public static LongSupplier delays(long baseMs, int clients, long maxWindowMs) {
    long window = windowMs(clients, maxWindowMs);
    return () -> baseMs + (window == 0 ? 0 : ThreadLocalRandom.current().nextLong(window + 1));
  }
}
