package io.stateserver.ratelimit;

import com.hazelcast.core.HazelcastInstance;
import io.github.bucket4j.TimeMeter;
import io.stateserver.config.ServerConfig;
import io.stateserver.metrics.ServerMetrics;
import io.vertx.core.Context;
import io.vertx.core.json.JsonObject;

/**
 * Every rate and connection limit of one node (docs/rate-limiting.md), shared by all its connection
 * verticle instances: per-connection budgets (made per connection by {@link #newGate}), the client
 * ids' cluster-wide budgets (charged by WebSocket messages and HTTP state requests alike), upgrade
 * attempts per address, and open connections per client id and address. Every refusal is counted in
 * {@code state_rate_limited{kind}}.
 */
public final class RateLimits {
  private final ServerConfig.Rate rate;
  private final ServerConfig.ConnectionRate perConnection;
  private final ConnectionLimiter.Budgets connectionBudgets;
  private final ClientBudgets clients;
  private final RequestRateGate requests;
  private final AddressLimiter upgrades;
  private final ConnectionCounts connections;
  private final ServerMetrics metrics;
  private final TimeMeter time;

  RateLimits(
      ServerConfig.Limits limits, ClientBudgets clients, ServerMetrics metrics, TimeMeter time) {
    this.rate = limits.rate();
    this.perConnection = rate.effectiveConnection();
    this.connectionBudgets = ConnectionLimiter.Budgets.of(perConnection);
    this.clients = clients;
    this.requests = new RequestRateGate(clients, rate.bytesPerSecond(), metrics::rateLimited);
    ServerConfig.Connections c = limits.connections();
    this.upgrades =
        new AddressLimiter(c.upgradesPerAddressPerMinute(), c.upgradesPerAddressBurst(), time);
    this.connections = new ConnectionCounts(c.perClient(), c.perAddress());
    this.metrics = metrics;
    this.time = time;
  }

  /**
   * The limits of a node.
   *
   * @param hazelcast the cluster's Hazelcast member, or null when the node is not clustered
   */
  public static RateLimits create(
      ServerConfig.Limits limits, HazelcastInstance hazelcast, ServerMetrics metrics) {
    TimeMeter time = TimeMeter.SYSTEM_NANOTIME;
    metrics.registerRejectionKinds(RejectionKind.ALL);
    ClientBudgets clients =
        hazelcast == null
            ? ClientBudgets.single(limits.rate(), time)
            : ClientBudgets.leasing(
                limits.rate(), new HazelcastSharedBudget(hazelcast, limits.rate()), time);
    return new RateLimits(limits, clients, metrics, time);
  }

  /** The admission gate of one new connection, running on {@code context}. */
  public ConnectionRateGate newGate(Context context) {
    return new ConnectionRateGate(
        new ConnectionLimiter(connectionBudgets, time),
        clients,
        new RejectionWindow(rate.closeAfterRejections(), rate.rejectionWindowMs()),
        context,
        time,
        metrics::rateLimited);
  }

  /**
   * The admission of HTTP state API requests, charged to the same client budgets as the
   * connections' messages.
   */
  public RequestRateGate requestGate() {
    return requests;
  }

  /**
   * Takes one upgrade attempt from the remote address's budget.
   *
   * @return 0 when allowed, otherwise the milliseconds to wait
   */
  public long tryUpgrade(String address) {
    long wait = upgrades.tryAcquire(address);
    if (wait == 0) {
      return 0;
    }
    metrics.rateLimited(RejectionKind.UPGRADE_ADDRESS);
    return Nanos.toRetryMillis(wait);
  }

  /**
   * Counts one more open connection of the client from the address.
   *
   * @return the slot to release when the connection closes, or null when a limit is reached
   */
  public ConnectionCounts.Slot tryOpen(String clientId, String address) {
    ConnectionCounts.Slot slot = connections.tryOpen(clientId, address);
    if (slot == null) {
      metrics.rateLimited(connections.refusedKind(clientId, address));
    }
    return slot;
  }

  /**
   * The {@code rate} object of {@code hello.limits}: what one connection may send (its own budget,
   * which never exceeds the client's), and under {@code client} the budget the client id shares
   * across all its connections and nodes.
   */
  public JsonObject helloRate() {
    return new JsonObject()
        .put("messagesPerSecond", perConnection.messagesPerSecond())
        .put("burst", perConnection.burst())
        .put("bytesPerSecond", perConnection.bytesPerSecond())
        .put(
            "client",
            new JsonObject()
                .put("messagesPerSecond", rate.messagesPerSecond())
                .put("burst", rate.burst())
                .put("bytesPerSecond", rate.bytesPerSecond()));
  }

  /** Forgets idle buckets and leases; called periodically. */
  public void evictIdle() {
    clients.evictIdle();
    upgrades.evictIdle();
  }
}
