package io.stateserver.ratelimit;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Open WebSocket connections per client id and per remote address on this node. Thread-safe: every
 * connection verticle instance opens and closes through it.
 */
public final class ConnectionCounts {
  private final int perClient;
  private final int perAddress;
  private final ConcurrentMap<String, Integer> byClient = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Integer> byAddress = new ConcurrentHashMap<>();

  public ConnectionCounts(int perClient, int perAddress) {
    this.perClient = perClient;
    this.perAddress = perAddress;
  }

  /** A counted connection; {@link #release()} it exactly once when it closes (idempotent). */
  public final class Slot {
    private final String clientId;
    private final String address;
    private boolean released;

    private Slot(String clientId, String address) {
      this.clientId = clientId;
      this.address = address;
    }

    public void release() {
      synchronized (this) {
        if (released) {
          return;
        }
        released = true;
      }
      decrement(byClient, clientId);
      decrement(byAddress, address);
    }
  }

  /**
   * Counts one more connection of {@code clientId} from {@code address}.
   *
   * @return the slot, or null when either limit is reached (then nothing is counted); {@link
   *     #refusedKind} tells which
   */
  public Slot tryOpen(String clientId, String address) {
    // one copy per address however many connections it has (a fleet behind one NAT, a load test)
    String from = address == null ? "" : address.intern();
    if (!increment(byAddress, from, perAddress)) {
      return null;
    }
    if (!increment(byClient, clientId, perClient)) {
      decrement(byAddress, from);
      return null;
    }
    return new Slot(clientId, from);
  }

  /** Which limit a refused {@link #tryOpen} hit (a {@link RejectionKind} label). */
  public String refusedKind(String clientId, String address) {
    Integer n = byAddress.get(address == null ? "" : address);
    return n != null && n >= perAddress
        ? RejectionKind.CONNECTIONS_ADDRESS
        : RejectionKind.CONNECTIONS_CLIENT;
  }

  public int openFor(String clientId) {
    return byClient.getOrDefault(clientId, 0);
  }

  public int openFrom(String address) {
    return byAddress.getOrDefault(address, 0);
  }

  private static boolean increment(ConcurrentMap<String, Integer> counts, String key, int max) {
    boolean[] ok = {false};
    counts.compute(
        key,
        (k, n) -> {
          int current = n == null ? 0 : n;
          if (current >= max) {
            return n;
          }
          ok[0] = true;
          return current + 1;
        });
    return ok[0];
  }

  private static void decrement(ConcurrentMap<String, Integer> counts, String key) {
    counts.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
  }
}
