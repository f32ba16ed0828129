package io.stateserver.connection;

import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

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
 * <p>One timer at a time, re-armed when it fires; {@link #activity()} only records a time, so a
 * client's every message costs no timer work. Single-threaded (the connection's event loop).
 */
final class Heartbeat {
  /** Sets a one-shot timer and returns its id; cancels one. Vert.x in production. */
  interface Timers {
    long set(long delayMs, Runnable task);

    void cancel(long id);
  }

  private final long intervalMs;
  private final long timeoutMs;
  private final Timers timers;
  private final LongSupplier nowMs;
  private final BooleanSupplier readingPaused;
  private final LongSupplier owed;
  private final Runnable sendPing;
  private final Runnable onDead;

  private long lastActivityMs;
  private long pingSentAtMs = -1;
  private long timer = -1;
  private long owedWhenChecked = Long.MAX_VALUE;
  private boolean stopped;

  /**
   * @param intervalMs idle time before a ping; 0 turns the heartbeat off
   * @param timeoutMs time after a ping without any inbound frame before {@code onDead}
   * @param readingPaused whether the server is not reading from the connection right now
   * @param owed what the server holds for the client to read (the backlog that pauses reading)
   */
  Heartbeat(
      long intervalMs,
      long timeoutMs,
      Timers timers,
      LongSupplier nowMs,
      BooleanSupplier readingPaused,
      LongSupplier owed,
      Runnable sendPing,
      Runnable onDead) {
    this.intervalMs = intervalMs;
    this.timeoutMs = timeoutMs;
    this.timers = timers;
    this.nowMs = nowMs;
    this.readingPaused = readingPaused;
    this.owed = owed;
    this.sendPing = sendPing;
    this.onDead = onDead;
  }

  void start() {
    if (intervalMs <= 0) {
      return;
    }
    lastActivityMs = nowMs.getAsLong();
    arm(intervalMs);
  }

  /** The client sent something (a message, a pong): it is alive. */
  void activity() {
    lastActivityMs = nowMs.getAsLong();
  }

  void stop() {
    stopped = true;
    if (timer >= 0) {
      timers.cancel(timer);
      timer = -1;
    }
  }

  private void arm(long delayMs) {
    timer = timers.set(Math.max(1, delayMs), this::check);
  }

  private void check() {
    timer = -1;
    if (stopped) {
      return;
    }
    long now = nowMs.getAsLong();
    if (readingPaused.getAsBoolean()) {
      long backlog = owed.getAsLong();
      if (backlog < owedWhenChecked) {
        lastActivityMs = now; // it took some of what it is owed
      }
      owedWhenChecked = backlog;
      pingSentAtMs = -1;
      if (now - lastActivityMs >= intervalMs + timeoutMs) {
        stopped = true;
        onDead.run();
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
          onDead.run();
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
      sendPing.run();
      arm(timeoutMs);
    } else {
      arm(intervalMs - idle);
    }
  }
}
