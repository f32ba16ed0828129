package io.stateserver.connection;

/**
 * The idle timeout of one connection. A connection that sent nothing for {@code intervalMs} gets a
 * WebSocket ping; if it then sends nothing (no pong, no frame) for {@code timeoutMs}, it is
 * declared dead. Anything the client sends counts, so a busy client is never pinged.
 *
 * <p>While the server itself has stopped reading from the connection (backpressure), the client's
 * pongs cannot arrive, so that time counts as silence only if the client also reads nothing of what
 * it is owed: as long as the backlog that paused it shrinks, it is alive; a client that has not
 * taken a single frame of it for {@code intervalMs + timeoutMs} is declared dead (a hung device
 * that flooded requests first would otherwise keep its connection for ever).
 *
 * <p>One deadline at a time on the event loop's {@link DeadlineWheel}, re-armed when it passes;
 * {@link #activity()} only records a time, so a client's every message costs no timer work.
 * Single-threaded (the connection's event loop).
 */
final class Heartbeat extends DeadlineWheel.Deadline {
  /** The connection a heartbeat watches (one reference instead of a lambda per question). */
  interface Peer {
    /** Whether the server is not reading from the connection right now (backpressure). */
    boolean readingPaused();

    /** What the server holds for the client to read: the backlog that pauses reading. */
    long owed();

    void sendPing();

    /** No answer in time: the connection is dead. */
    void idleTimedOut();
  }

  private final long intervalMs;
  private final long timeoutMs;
  private final DeadlineWheel wheel;
  private final Peer peer;

  private long lastActivityMs;
  private long pingSentAtMs = -1;
  private long owedWhenChecked = Long.MAX_VALUE;
  private boolean stopped;

  /**
   * @param intervalMs idle time before a ping; 0 turns the heartbeat off
   * @param timeoutMs time after a ping without any inbound frame before the peer is told it timed
   *     out
   */
  Heartbeat(long intervalMs, long timeoutMs, DeadlineWheel wheel, Peer peer) {
    this.intervalMs = intervalMs;
    this.timeoutMs = timeoutMs;
    this.wheel = wheel;
    this.peer = peer;
  }

  void start() {
    if (intervalMs <= 0) {
      return;
    }
    lastActivityMs = wheel.nowMs();
    arm(intervalMs);
  }

  /** The client sent something (a message, a pong): it is alive. */
  void activity() {
    lastActivityMs = wheel.nowMs();
  }

  void stop() {
    stopped = true;
    wheel.cancel(this);
  }

  private void arm(long delayMs) {
    wheel.schedule(this, Math.max(1, delayMs));
  }

  @Override
  protected void expired() {
    if (stopped) {
      return;
    }
    long now = wheel.nowMs();
    if (peer.readingPaused()) {
      long backlog = peer.owed();
      if (backlog < owedWhenChecked) {
        lastActivityMs = now; // it took some of what it is owed
      }
      owedWhenChecked = backlog;
      pingSentAtMs = -1;
      if (now - lastActivityMs >= intervalMs + timeoutMs) {
        stopped = true;
        peer.idleTimedOut();
      } else {
        arm(intervalMs);
      }
      return;
    }
    owedWhenChecked = Long.MAX_VALUE;
    if (pingSentAtMs >= 0) {
      if (lastActivityMs < pingSentAtMs) {
        if (now - pingSentAtMs >= timeoutMs) {
          stopped = true;
          peer.idleTimedOut();
        } else {
          arm(pingSentAtMs + timeoutMs - now);
        }
        return;
      }
      pingSentAtMs = -1; // answered
    }
    long idle = now - lastActivityMs;
    if (idle >= intervalMs) {
      pingSentAtMs = now;
      peer.sendPing();
      arm(timeoutMs);
    } else {
      arm(intervalMs - idle);
    }
  }
}
