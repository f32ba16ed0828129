package io.stateserver.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP forwarder on a loopback port, for breaking a real connection between two processes. After
 * {@link #swallow()}, the connections accepted so far drop every byte from their connecting side,
 * as when a network path fails without either end noticing; {@link #cutAndForward()} then closes
 * them (both ends see it). Connections accepted after the cut are forwarded whole. {@link
 * #silenceAndForwardNew()} silences the connections accepted so far for good, and forwards later
 * ones whole, as when a failover moves the other end elsewhere. {@link #partition()} closes every
 * connection and every new one until {@link #heal()}, as when the path is down for a while.
 */
public final class TcpProxy implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TcpProxy.class);

  /** One forwarded connection, of the generation (cuts so far) in which it was accepted. */
  private record Link(int generation, NetSocket downstream, NetSocket upstream) {
    Future<Void> close() {
      return Future.join(downstream.close(), upstream.close()).mapEmpty();
    }
  }

  private final NetServer server;
  private final NetClient client;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile int generation;
  private volatile int swallowedUpTo = -1;
  private volatile boolean partitioned;

  private TcpProxy(NetServer server, NetClient client) {
    this.server = server;
    this.client = client;
  }

  /** Listens on {@code 127.0.0.1:listenPort} and forwards to {@code 127.0.0.1:targetPort}. */
  public static TcpProxy start(Vertx vertx, int listenPort, int targetPort) {
    NetClient client = vertx.createNetClient();
    NetServer server = vertx.createNetServer();
    TcpProxy proxy = new TcpProxy(server, client);
    server.connectHandler(downstream -> proxy.forward(downstream, targetPort));
    BlockingClient.await(server.listen(listenPort, "127.0.0.1"));
    return proxy;
  }

  private void forward(NetSocket downstream, int targetPort) {
    if (partitioned) {
      downstream.close();
      return;
    }
    this.accepted.incrementAndGet();
    int accepted = generation;
    downstream.pause();
    client
        .connect(targetPort, "127.0.0.1")
        .onFailure(e -> downstream.close())
        .onSuccess(
            upstream -> {
              Link link = new Link(accepted, downstream, upstream);
              links.add(link);
              downstream.handler(
                  bytes -> {
                    if (link.generation() > swallowedUpTo) {
                      upstream.write(bytes);
                    }
                  });
              upstream.handler(downstream::write);
              downstream.closeHandler(v -> closed(link));
              upstream.closeHandler(v -> closed(link));
              if (accepted != generation) {
                closed(link); // accepted before a cut that could not see it yet
              } else {
                downstream.resume();
              }
            });
  }

  private void closed(Link link) {
    links.remove(link);
    link.close();
  }

  /** How many connections were accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  /** How many connections are forwarded now. */
  public int connections() {
    return links.size();
  }

  /** The connections accepted until the next cut drop every byte from their connecting side. */
  public void swallow() {
    swallowedUpTo = generation;
  }

  /**
   * The connections accepted so far drop every byte from their connecting side, and stay open until
   * one of their ends closes them; later ones are forwarded whole.
   */
  public void silenceAndForwardNew() {
    swallowedUpTo = generation;
    generation = swallowedUpTo + 1;
    log.info("silencing forwarded connections [connections: {}]", links.size());
  }

  /** Closes the connections accepted so far; later ones are forwarded whole. */
  public void cutAndForward() {
    int cut = generation;
    generation = cut + 1;
    log.info("cutting forwarded connections [connections: {}]", links.size());
    BlockingClient.await(
        Future.join(links.stream().filter(l -> l.generation() <= cut).map(Link::close).toList())
            .otherwiseEmpty());
  }

  /** Closes every connection, and from now on every new one at once, until {@link #heal()}. */
  public void partition() {
    partitioned = true;
    cutAndForward();
  }

  /** Forwards new connections again after {@link #partition()}. */
  public void heal() {
    partitioned = false;
  }

  @Override
  public void close() {
    BlockingClient.await(Future.join(server.close(), client.close()).otherwiseEmpty());
  }
}
