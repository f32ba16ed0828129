package io.stateserver.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * Tells the operator when a server keeps deferring a tool's requests ({@code rate_limited}, {@code
 * unavailable}: a database outage or failover there, say). The tool waits such a deferral out
 * however long it lasts, so without these lines it would look stuck: one line once it has lasted
 * {@link #REPORT_EVERY}, one more each {@link #REPORT_EVERY} after, and one when it is over. Not
 * thread-safe: one per connection.
 */
final class Deferrals {
  /** How long a deferral lasts before it is reported, and how often it is reported again. */
  static final Duration REPORT_EVERY = Duration.ofSeconds(30);

  private static final long NONE = Long.MIN_VALUE;

  private final String server;
  private final PrintStream err;
  private final LongSupplier clockMs;
  private long since = NONE;
  private long reportedAt = NONE;

  /**
   * @param server the server, as the operator knows it: {@code the target (--to-url ws://...)}
   */
  Deferrals(String server, PrintStream err) {
    this(server, err, System::currentTimeMillis);
  }

  Deferrals(String server, PrintStream err, LongSupplier clockMs) {
    this.server = server;
    this.err = err;
    this.clockMs = clockMs;
  }

  /** The server deferred a request of the kind {@code what} ({@code writes}) with {@code code}. */
  void deferred(String what, String code) {
    long now = clockMs.getAsLong();
    if (since == NONE) {
      since = now;
    }
    long last = reportedAt == NONE ? since : reportedAt;
    if (now - last >= REPORT_EVERY.toMillis()) {
      reportedAt = now;
      err.println(
          server
              + " has deferred "
              + what
              + " since "
              + Instant.ofEpochMilli(since)
              + " ["
              + code
              + ", "
              + (now - since) / 1000
              + " s]: waiting for as long as it lasts");
      err.flush();
    }
  }

  /** The server answered a request otherwise: a deferral, if there was one, is over. */
  void over() {
    if (reportedAt != NONE) {
      err.println(
          server
              + " serves again after deferring for "
              + (clockMs.getAsLong() - since) / 1000
              + " s");
      err.flush();
    }
    since = NONE;
    reportedAt = NONE;
  }
}
