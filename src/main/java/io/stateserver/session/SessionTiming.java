package io.stateserver.session;

/**
 * Session timing. A connected session's row carries a lease its node renews; a node that dies stops
 * renewing, so its sessions end {@code leaseMs + graceMs} after the crash, or later after a long
 * break in reaching the database ({@link LeaseState}).
 *
 * @param graceMs how long a dropped session may be resumed
 * @param leaseMs how far ahead a node renews its sessions' leases
 * @param renewEveryMs how often leases are renewed (well under leaseMs)
 * @param reapEveryMs how often each node looks for sessions to end
 */
public record SessionTiming(long graceMs, long leaseMs, long renewEveryMs, long reapEveryMs) {

  public static SessionTiming forGrace(long graceMs) {
    return new SessionTiming(graceMs, 10_000, 3_000, 1_000);
  }
}
