package io.stateserver.bench;

import io.vertx.core.Vertx;

/**
 * Sends at a fixed rate from a 1 ms timer. Message {@code n} is due at {@code start + n / rate}; it
 * carries that intended time, not the moment it actually left, so a stalled sender (or a system
 * that pushes back) shows up as latency instead of silently lowering the rate: no coordinated
 * omission.
 */
final class FixedRate {
  /** Sends message {@code n}, intended to leave at {@code intendedNanos}. */
  interface Sender {
    void send(long n, long intendedNanos);
  }

  private final Vertx vertx;
  private final double perSecond;
  private final Sender sender;
  private long start;
  private long sent;
  private long timer = -1;

  FixedRate(Vertx vertx, double perSecond, Sender sender) {
    this.vertx = vertx;
    this.perSecond = perSecond;
    this.sender = sender;
  }

  FixedRate start() {
    start = Clock.now();
    timer = vertx.setPeriodic(1, id -> tick());
    return this;
  }

  private void tick() {
    // Message n is due once n / rate has elapsed: message 0 at the start.
    long due = 1 + (long) ((Clock.now() - start) * perSecond / 1e9);
    while (sent < due) {
      sender.send(sent, start + (long) (sent * 1e9 / perSecond));
      sent++;
    }
  }

  long stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    return sent;
  }
}
