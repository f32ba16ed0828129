package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HeartbeatTest {
  /** A manual clock driving a real wheel with a 1 ms tick, advanced a tick at a time. */
  static final class ManualTime {
    long now = 1_000;
    final DeadlineWheel wheel = new DeadlineWheel(1, 512, () -> now);

    void advance(long ms) {
      for (long i = 0; i < ms; i++) {
        now++;
        wheel.expire();
      }
    }

    int pending() {
      return wheel.pending();
    }
  }

  private final ManualTime time = new ManualTime();
  private int pings;
  private int deaths;
  private boolean paused;
  private long owed;

  private Heartbeat heartbeat(long interval, long timeout) {
    return new Heartbeat(
        interval,
        timeout,
        time.wheel,
        new Heartbeat.Peer() {
          @Override
          public boolean readingPaused() {
            return paused;
          }

          @Override
          public long owed() {
            return owed;
          }

          @Override
          public void sendPing() {
            pings++;
          }

          @Override
          public void idleTimedOut() {
            deaths++;
          }
        });
  }

  @Test
  void timeTheServerSpendsNotReadingIsNotSilenceWhileTheClientTakesWhatItIsOwed() {
    Heartbeat h = heartbeat(30_000, 20_000);
    h.start();
    time.advance(30_000); // pinged
    paused = true; // backpressure: the pong cannot be read
    owed = 2_000;

    for (int i = 0; i < 10; i++) {
      owed -= 100; // the client reads its replies, slowly
      time.advance(30_000);
    }
    assertThat(deaths).isZero();
    paused = false;
    // Reading again and still silent: at most one interval to the ping, then the timeout.
    time.advance(30_000 + 20_000 + 30_000);

    assertThat(deaths).isEqualTo(1);
  }

  @Test
  void aPausedClientThatTakesNothingOfWhatItIsOwedIsDeclaredDead() {
    Heartbeat h = heartbeat(30_000, 20_000);
    h.start();
    paused = true; // it flooded requests, then stopped reading
    owed = 2_000;

    time.advance(30_000 + 20_000);
    assertThat(deaths).isZero();
    time.advance(30_000 + 20_000);
    assertThat(deaths).isEqualTo(1);
  }

  @Test
  void aSilentConnectionIsPingedThenDeclaredDeadAfterTheTimeout() {
    Heartbeat h = heartbeat(30_000, 20_000);
    h.start();

    time.advance(29_999);
    assertThat(pings).isZero();
    time.advance(1);
    assertThat(pings).isEqualTo(1);
    time.advance(19_999);
    assertThat(deaths).isZero();
    time.advance(1);
    assertThat(deaths).isEqualTo(1);
    assertThat(time.pending()).isZero();
  }

  @Test
  void aPongAfterThePingKeepsTheConnectionAndTheCycleRestarts() {
    Heartbeat h = heartbeat(30_000, 20_000);
    h.start();

    time.advance(30_000);
    time.advance(5_000);
    h.activity(); // the pong
    time.advance(40_000);

    assertThat(deaths).isZero();
    assertThat(pings).isEqualTo(2); // another ping 30 s after the pong, not yet overdue
  }

  @Test
  void aBusyConnectionIsNeverPinged() {
    Heartbeat h = heartbeat(30_000, 20_000);
    h.start();

    for (int i = 0; i < 100; i++) {
      time.advance(10_000);
      h.activity();
    }

    assertThat(pings).isZero();
    assertThat(deaths).isZero();
  }

  @Test
  void stoppingCancelsTheTimer() {
    Heartbeat h = heartbeat(30_000, 20_000);
    h.start();
    h.stop();

    time.advance(120_000);

    assertThat(pings).isZero();
    assertThat(deaths).isZero();
    assertThat(time.pending()).isZero();
  }

  @Test
  void intervalZeroTurnsTheHeartbeatOff() {
    heartbeat(0, 20_000).start();

    time.advance(1_000_000);

    assertThat(time.pending()).isZero();
    assertThat(pings + deaths).isZero();
  }
}
