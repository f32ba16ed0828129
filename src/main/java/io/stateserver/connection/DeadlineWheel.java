package io.stateserver.connection;

import io.stateserver.config.ServerConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deadlines of every connection of one connection-verticle instance (so, of one event loop),
 * kept in a hashed timing wheel that one periodic timer advances ({@link #expire()}), instead of
 * one Vert.x timer per deadline.
 *
 * <p>Why: an idle connection always has two deadlines pending, its heartbeat and its token's
 * expiry, and a Vert.x timer costs about 170 bytes of heap while pending (Netty's scheduled task,
 * Vert.x's handler, the entry in Vert.x's timer map and its boxed id). Here a deadline is a few
 * fields of an object the connection has anyway (tuning log 25).
 *
 * <p>A deadline fires on the first {@link #expire()} at or after its due time: never early, and at
 * most one tick late (plus however late the periodic timer itself runs). Deadlines further away
 * than one turn of the wheel wait in their slot and are skipped until their turn comes.
 *
 * <p>Single-threaded: every call on the event loop of the verticle instance that owns the wheel.
 * Times come from {@code clockMs}, a monotonic clock in milliseconds, so a change of the wall clock
 * moves no deadline.
 */
final class DeadlineWheel {
  private static final Logger log = LoggerFactory.getLogger(DeadlineWheel.class);

  /** Something to do at a time; extended by the object whose deadline it is, to cost no object. */
  abstract static class Deadline {
    private static final int IDLE = -1;
    private static final int FIRING = -2;

    private long dueMs;
    private int slot = IDLE;
    private Deadline prev;
    private Deadline next;

    /** Runs on the wheel's event loop once the deadline has passed, unless it was cancelled. */
    protected abstract void expired();

    final boolean isPending() {
      return slot != IDLE;
    }
  }

  private final long tickMs;
  private final Deadline[] slots;
  private final int mask;
  private final LongSupplier clockMs;
  private List<Deadline> firing = new ArrayList<>();
  private long nextTick;
  private int pending;

  /**
   * @param tickMs the wheel's resolution: how often {@link #expire()} is meant to run
   * @param slotCount slots per turn, a power of two
   * @param clockMs a monotonic clock in milliseconds
   */
  DeadlineWheel(long tickMs, int slotCount, LongSupplier clockMs) {
    if (tickMs <= 0 || slotCount <= 0 || Integer.bitCount(slotCount) != 1) {
      throw new IllegalArgumentException("tick must be positive and slots a power of two");
    }
    this.tickMs = tickMs;
    this.slots = new Deadline[slotCount];
    this.mask = slotCount - 1;
    this.clockMs = clockMs;
    this.nextTick = Math.floorDiv(clockMs.getAsLong(), tickMs);
  }

  /**
   * The wheel of one connection-verticle instance: a tick of an eighth of the shortest heartbeat
   * period, between 10 and 250 ms (a token's expiry is enforced at most that late), and 512 slots,
   * so that with the default settings a turn is two minutes and a heartbeat deadline never waits a
   * turn.
   */
  static DeadlineWheel forConnections(ServerConfig.Http http) {
    long shortest =
        http.pingIntervalMs() > 0
            ? Math.min(http.pingIntervalMs(), http.pingTimeoutMs())
            : http.pingTimeoutMs();
    long tick = Math.max(10, Math.min(250, shortest / 8));
    long origin = System.nanoTime();
    return new DeadlineWheel(tick, 512, () -> (System.nanoTime() - origin) / 1_000_000);
  }

  long tickMs() {
    return tickMs;
  }

  long nowMs() {
    return clockMs.getAsLong();
  }

  /** Deadlines scheduled and not yet fired or cancelled. */
  int pending() {
    return pending;
  }

  /** Schedules {@code d} to fire {@code delayMs} from now, replacing any time it had. */
  void schedule(Deadline d, long delayMs) {
    cancel(d);
    long now = clockMs.getAsLong();
    d.dueMs = delayMs >= Long.MAX_VALUE - now ? Long.MAX_VALUE : now + Math.max(0, delayMs);
    // the first tick whose start is not before the due time, and never a tick already passed
    long tick = Math.max(-Math.floorDiv(-d.dueMs, tickMs), nextTick);
    int s = (int) (tick & mask);
    d.slot = s;
    d.prev = null;
    d.next = slots[s];
    if (d.next != null) {
      d.next.prev = d;
    }
    slots[s] = d;
    pending++;
  }

  /** Cancels {@code d}; nothing happens if it is not pending. */
  void cancel(Deadline d) {
    if (d.slot == Deadline.FIRING) {
      d.slot = Deadline.IDLE; // picked for this expire() but not run yet: it will be skipped
      pending--;
      return;
    }
    if (d.slot == Deadline.IDLE) {
      return;
    }
    unlink(d);
    d.slot = Deadline.IDLE;
    pending--;
  }

  /** Fires every deadline that is due; the owner's periodic timer calls this every tick. */
  void expire() {
    long now = clockMs.getAsLong();
    long currentTick = Math.floorDiv(now, tickMs);
    // A deadline sits in the slot of the first tick boundary at or after its due time, so one due
    // by now may sit in the next tick's slot: that slot is looked at now and again next time.
    // Behind by more than a turn (a stalled event loop): one visit of every slot finds all.
    long last = Math.min(currentTick + 1, nextTick + mask);
    for (long t = nextTick; t <= last; t++) {
      Deadline d = slots[(int) (t & mask)];
      while (d != null) {
        Deadline following = d.next;
        if (d.dueMs <= now) {
          unlink(d);
          d.slot = Deadline.FIRING;
          firing.add(d);
        }
        d = following;
      }
    }
    nextTick = Math.max(nextTick, currentTick + 1);
    // Run them only after the scan: a deadline's task may schedule or cancel others.
    for (int i = 0; i < firing.size(); i++) {
      Deadline d = firing.get(i);
      if (d.slot == Deadline.FIRING) {
        d.slot = Deadline.IDLE;
        pending--;
        try {
          d.expired();
        } catch (RuntimeException e) {
          log.warn("deadline task failed [deadline: {}]", d.getClass().getName(), e);
        }
      }
    }
    if (firing.size() > 1024) {
      firing = new ArrayList<>(); // after a mass expiry (a stalled loop), not kept at its peak
    } else {
      firing.clear();
    }
  }

  private void unlink(Deadline d) {
    if (d.prev != null) {
      d.prev.next = d.next;
    } else {
      slots[d.slot] = d.next;
    }
    if (d.next != null) {
      d.next.prev = d.prev;
    }
    d.prev = null;
    d.next = null;
  }
}
