package io.stateserver.connection;

import io.stateserver.bus.Addresses;
import io.stateserver.bus.Bus;
import io.stateserver.persistence.ReadQuery;
import io.stateserver.protocol.StateException;
import io.stateserver.state.StoredEntry;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The fleet's switch-over to another deployment (PROTOCOL.md section 5: a {@code goaway} whose
 * {@code url} says where). While one is set, every connection, on every node, gets a goaway with
 * the url and is closed with 1001, and every new connection gets the same right after its {@code
 * hello}, until an operator cancels it ({@code /v1/admin/switchover}). Connections with the role
 * {@code admin} stay: the operator's tools finish the migration on the old deployment.
 *
 * <p>It lives in the state, as the system key {@value #KEY}: durable across restarts, shared by
 * every node through the database, and brought to each by the same broadcast and catch-up as any
 * change. This is the node's view of it, shared by every connection-verticle instance. A version
 * guard keeps a change that arrives late (a re-read one) from undoing a newer one.
 */
public final class Switchover {
  /** The system key that holds the switch-over. */
  public static final String KEY = "$sys/switchover";

  /** The goaway's {@code reason}. */
  public static final String REASON = "switching over";

  /** The default {@code reconnectMs}: the same as the drain's. */
  static final long DEFAULT_RECONNECT_MS = 1_000;

  /** The largest {@code reconnectMs} accepted: an hour. */
  static final long MAX_RECONNECT_MS = 3_600_000;

  /** The longest {@code url} accepted, in characters. */
  static final int MAX_URL_CHARS = 2_048;

  /**
   * Where the fleet goes.
   *
   * @param url the WebSocket URL clients reconnect to ({@code ws://} or {@code wss://})
   * @param reconnectMs how long a client waits before it reconnects there
   * @param since when it was set (epoch ms)
   */
  public record Target(String url, long reconnectMs, long since) {
    JsonObject toJson() {
      return new JsonObject().put("url", url).put("reconnectMs", reconnectMs).put("since", since);
    }

    /**
     * An operator's request body: {@code url} required, {@code reconnectMs} optional.
     *
     * @param tls whether this server's clients connect over TLS: then a {@code ws://} url is
     *     refused, since the clients would send their tokens there in the clear
     * @throws StateException {@code bad_request} naming the field that is wrong
     */
    static Target fromRequest(JsonObject body, long now, boolean tls) {
      if (!(body.getValue("url") instanceof String url)) {
        throw StateException.badRequest("field 'url' must be a string");
      }
      checkUrl(url);
      if (tls && url.regionMatches(true, 0, "ws:", 0, 3)) {
        throw StateException.badRequest(
            "field 'url' must start with wss:// on a server with TLS: clients would send their"
                + " tokens in the clear");
      }
      Object reconnect = body.getValue("reconnectMs", DEFAULT_RECONNECT_MS);
      if (!(reconnect instanceof Integer || reconnect instanceof Long)
          || ((Number) reconnect).longValue() < 0
          || ((Number) reconnect).longValue() > MAX_RECONNECT_MS) {
        throw StateException.badRequest(
            "field 'reconnectMs' must be an integer from 0 to " + MAX_RECONNECT_MS);
      }
      return new Target(url, ((Number) reconnect).longValue(), now);
    }

    /** The value as stored; null when there is none (a deletion) or not one this class wrote. */
    static Target fromStored(String json) {
      if (json == null) {
        return null;
      }
      try {
        JsonObject o = new JsonObject(json);
        if (o.getValue("url") instanceof String url
            && o.getValue("reconnectMs") instanceof Number reconnect
            && o.getValue("since") instanceof Number since) {
          return new Target(url, reconnect.longValue(), since.longValue());
        }
        return null;
      } catch (DecodeException | ClassCastException e) {
        return null;
      }
    }
  }

  private record Seen(long version, Target target) {}

  private final AtomicReference<Seen> seen = new AtomicReference<>(new Seen(0, null));

  /**
   * Reads the key once, at start, before the edges listen. A change broadcast between this read and
   * the edges' first consumer is re-read by the node's own catch-up sweep after its start.
   */
  public Future<Void> load(EventBus bus) {
    return Bus.<StoredEntry>request(bus, Addresses.PERSISTENCE_READ, new ReadQuery.Get(KEY))
        .map(
            e -> {
              update(e.version(), e.exists() ? e.valueJson() : null);
              return null;
            });
  }

  /** The version of the key the node knows (0 before any). */
  public long version() {
    return seen.get().version();
  }

  /** The switch-over in force, or null. */
  public Target current() {
    return seen.get().target();
  }

  /**
   * The key changed (or was read) at {@code version}.
   *
   * @param valueJson its value, or null when it was deleted or is absent
   * @return false when the node already knew this version or a newer one
   */
  public boolean update(long version, String valueJson) {
    Seen next = new Seen(version, Target.fromStored(valueJson));
    Seen before;
    do {
      before = seen.get();
      if (before.version() >= version) {
        return false;
      }
    } while (!seen.compareAndSet(before, next));
    return true;
  }

  /**
   * A {@code ws://} or {@code wss://} URL with a host, a port (if any) a client can connect to, no
   * fragment, at most {@value #MAX_URL_CHARS}.
   */
  private static void checkUrl(String url) {
    String problem = null;
    if (url.length() > MAX_URL_CHARS) {
      problem = "is longer than " + MAX_URL_CHARS + " characters";
    } else {
      try {
        URI uri = new URI(url);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("ws") && !scheme.equals("wss")) {
          problem = "must start with ws:// or wss://";
        } else if (uri.getHost() == null) {
          problem = "has no host";
        } else if (uri.getFragment() != null) {
          problem = "must not have a fragment";
        } else if (uri.getPort() == 0 || uri.getPort() > 65535) {
          problem = "has a port outside 1-65535";
        }
      } catch (URISyntaxException e) {
        problem = "is not a URL";
      }
    }
    if (problem != null) {
      throw StateException.badRequest("field 'url' " + problem);
    }
  }
}
