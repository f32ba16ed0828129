package io.stateserver.cli;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * Keeps a tool's requests within the rate a server announced in its {@code hello} ({@code
 * limits.rate}: messages and bytes per second and the burst, per connection and per client id; the
 * lower of each counts), with a margin. Staying under the budget matters more than speed: refusals
 * past {@code closeAfterRejections} close the connection. Requests the server defers are sent again
 * for as long as the deferral lasts: a database outage or failover there defers every request for
 * its whole length (15 s and more), and a tool that gave up on it would stop a migration that had
 * nothing wrong with it. Not thread-safe: one per connection.
 */
final class Pace {
  /** The share of the announced rate used: timers and other tools of the same client need room. */
  static final double MARGIN = 0.9;

  /**
   * The longest pause between attempts of a request deferred again and again, unless the server
   * names a longer one: short enough to notice soon that an outage there is over.
   */
  static final long MAX_BACKOFF_MS = 5_000;

  /** What {@link WireClient#send} adds to a request: {@code ,"id":<n>}, at most. */
  private static final int ID_BYTES = 26;

  private final Bucket messages;
  private final Bucket bytes;
  private final Deferrals deferrals;

  private Pace(Bucket messages, Bucket bytes, Deferrals deferrals) {
    this.messages = messages;
    this.bytes = bytes;
    this.deferrals = deferrals;
  }

  /**
   * The pace the hello of {@code client} announces; unpaced where it announces nothing.
   *
   * @param deferrals where deferrals that last are reported
   */
  static Pace of(WireClient client, Deferrals deferrals) {
    JsonObject rate =
        client.hello().getJsonObject("limits", new JsonObject()).getJsonObject("rate");
    JsonObject perClient = rate == null ? null : rate.getJsonObject("client");
    double messagesPerSecond = lowestPositive(rate, perClient, "messagesPerSecond") * MARGIN;
    double burst = lowestPositive(rate, perClient, "burst");
    double bytesPerSecond = lowestPositive(rate, perClient, "bytesPerSecond") * MARGIN;
    return new Pace(
        new Bucket(messagesPerSecond, Double.isInfinite(burst) ? 1 : burst - 1),
        // a burst of one second's bytes, as the server's own byte budget has
        new Bucket(bytesPerSecond, bytesPerSecond),
        deferrals);
  }

  /** The server's deferrals on this connection, as the operator is told of them. */
  Deferrals deferrals() {
    return deferrals;
  }

  /** The lower of the connection's and the client's figure, ignoring absent and zero ones. */
  private static double lowestPositive(JsonObject rate, JsonObject client, String field) {
    double lowest = Double.POSITIVE_INFINITY;
    for (JsonObject o : new JsonObject[] {rate, client}) {
      if (o != null && o.getValue(field) instanceof Number n && n.doubleValue() > 0) {
        lowest = Math.min(lowest, n.doubleValue());
      }
    }
    return lowest;
  }

  /** Waits until {@code request} may go, counting its bytes as the server does (UTF-8, id too). */
  void before(JsonObject request) throws WireException {
    messages.take(1);
    bytes.take(request.encode().getBytes(StandardCharsets.UTF_8).length + ID_BYTES);
  }

  /**
   * The server deferred a request: its budget is spent (another tool with the same client id may
   * share it), so the pace starts again from empty buckets.
   */
  void deferred() {
    messages.empty();
    bytes.empty();
  }

  /**
   * Sends a request within the pace and waits for its reply; a request the server defers ({@code
   * rate_limited}, {@code unavailable}) goes again after the delay it names ({@link #backoff}), for
   * as long as the deferral lasts.
   *
   * @param what the kind of request, for the operator: {@code list requests}
   * @return the first reply that is not a deferral, successful or not
   */
  JsonObject request(WireClient client, JsonObject request, String what) throws WireException {
    for (int attempt = 1; ; attempt++) {
      before(request);
      JsonObject reply = client.request(request);
      Long retryAfterMs = deferredFor(reply);
      if (retryAfterMs == null) {
        deferrals.over();
        return reply;
      }
      deferrals.deferred(what, reply.getJsonObject("error").getString("code"));
      deferred();
      pause(backoff(retryAfterMs, attempt));
    }
  }

  /**
   * How long to wait before attempt {@code attempt + 1} of a request deferred {@code attempt} times
   * with {@code retryAfterMs}: that delay at first, then longer (up to {@link #MAX_BACKOFF_MS}, or
   * the server's delay where it is longer) while the deferral lasts, so that a long outage there is
   * not met with a request a second per write in flight.
   */
  static long backoff(long retryAfterMs, int attempt) {
    long ms = Math.max(1, retryAfterMs);
    return Math.min(ms << Math.min(Math.max(attempt - 1, 0), 3), Math.max(ms, MAX_BACKOFF_MS));
  }

  /** The delay a deferred reply names, or null when the reply is not a deferral. */
  static Long deferredFor(JsonObject reply) {
    if (reply.getBoolean("ok", false)) {
      return null;
    }
    JsonObject error = reply.getJsonObject("error", new JsonObject());
    String code = error.getString("code", "");
    return code.equals("rate_limited") || code.equals("unavailable")
        ? error.getLong("retryAfterMs", 100L)
        : null;
  }

  /** Sleeps, at most 10 s, as a server's {@code retryAfterMs} asks. */
  static void pause(long ms) throws WireException {
    sleep(Math.max(1, Math.min(ms, 10_000)));
  }

  private static void sleep(long ms) throws WireException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new WireException("interrupted", e);
    }
  }

  /** A token bucket; unlimited when its rate is infinite. */
  private static final class Bucket {
    private final double perSecond;
    private final double capacity;
    private double tokens;
    private long refilledAt = System.nanoTime();

    Bucket(double perSecond, double capacity) {
      this.perSecond = perSecond;
      this.capacity = Math.max(1, capacity);
      this.tokens = this.capacity;
    }

    void empty() {
      tokens = Math.min(tokens, 0);
      refilledAt = System.nanoTime();
    }

    /**
     * Waits for {@code amount} tokens; more than the capacity waits for a full bucket and is then
     * charged the capacity, as the server lets such a message through on a full budget.
     */
    void take(double amount) throws WireException {
      if (Double.isInfinite(perSecond)) {
        return;
      }
      double wanted = Math.min(amount, capacity);
      while (true) {
        long now = System.nanoTime();
        tokens = Math.min(capacity, tokens + (now - refilledAt) * perSecond / 1e9);
        refilledAt = now;
        if (tokens >= wanted) {
          tokens -= wanted;
          return;
        }
        sleep(Math.max(1, (long) Math.ceil((wanted - tokens) * 1000 / perSecond)));
      }
    }
  }
}
