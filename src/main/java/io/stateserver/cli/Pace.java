package io.stateserver.cli;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;

/**
 * Keeps a tool's requests within the rate a server announced in its {@code hello} ({@code
 * limits.rate}: messages and bytes per second and the burst, per connection and per client id; the
 * lower of each counts), with a margin. Staying under the budget matters more than speed: refusals
 * past {@code closeAfterRejections} close the connection. Not thread-safe: one per connection.
 */
final class Pace {
  /** The share of the announced rate used: timers and other tools of the same client need room. */
  static final double MARGIN = 0.9;

  /** How often one request is sent at most while the server defers it. */
  static final int ATTEMPTS = 10;

  /** What {@link WireClient#send} adds to a request: {@code ,"id":<n>}, at most. */
  private static final int ID_BYTES = 26;

  private final Bucket messages;
  private final Bucket bytes;

  private Pace(Bucket messages, Bucket bytes) {
    this.messages = messages;
    this.bytes = bytes;
  }

  /** The pace the hello of {@code client} announces; unpaced where it announces nothing. */
  static Pace of(WireClient client) {
    JsonObject rate =
        client.hello().getJsonObject("limits", new JsonObject()).getJsonObject("rate");
    JsonObject perClient = rate == null ? null : rate.getJsonObject("client");
    double messagesPerSecond = lowestPositive(rate, perClient, "messagesPerSecond") * MARGIN;
    double burst = lowestPositive(rate, perClient, "burst");
    double bytesPerSecond = lowestPositive(rate, perClient, "bytesPerSecond") * MARGIN;
    return new Pace(
        new Bucket(messagesPerSecond, Double.isInfinite(burst) ? 1 : burst - 1),
        // a burst of one second's bytes, as the server's own byte budget has
        new Bucket(bytesPerSecond, bytesPerSecond));
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
   * rate_limited}, {@code unavailable}) goes again after the delay it names, up to {@value
   * #ATTEMPTS} times in all.
   *
   * @return the final reply, successful or not
   */
  JsonObject request(WireClient client, JsonObject request) throws WireException {
    JsonObject reply = null;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      before(request);
      reply = client.request(request);
      Long retryAfterMs = deferredFor(reply);
      if (retryAfterMs == null) {
        return reply;
      }
      deferred();
      pause(retryAfterMs);
    }
    return reply;
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
