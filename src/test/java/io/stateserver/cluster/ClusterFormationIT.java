package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.config.ServerConfig;
import io.stateserver.support.FreePorts;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two clustered Vert.x instances in one JVM, joined over TCP-IP on free ports. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class ClusterFormationIT {

  private Vertx first;
  private Vertx second;

  @AfterEach
  void closeNodes() throws Exception {
    for (Vertx node : new Vertx[] {second, first}) {
      if (node != null) {
        node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void publishOnOneNodeReachesTheOther(VertxTestContext ctx) throws Exception {
    startTwoNodes();

    second
        .eventBus()
        .<String>consumer(
            "test.cluster",
            msg -> {
              // Several publishes may be in flight; the first that arrives proves the point.
              ctx.verify(() -> assertThat(msg.body()).isEqualTo("hello from first"));
              ctx.completeNow();
            })
        .completion()
        .onComplete(
            ctx.succeeding(
                registered ->
                    // The first node learns of the subscription asynchronously: publish until the
                    // message gets through rather than guessing a delay.
                    first.setPeriodic(
                        200,
                        id -> {
                          if (ctx.completed()) {
                            first.cancelTimer(id);
                          } else {
                            first.eventBus().publish("test.cluster", "hello from first");
                          }
                        })));
  }

  @Test
  void bothNodesSeeTwoMembersAndBecomeUsable(VertxTestContext ctx) throws Exception {
    HazelcastClusterManager[] managers = startTwoNodes();

    ctx.verify(
        () -> {
          assertThat(managers[0].getNodes()).hasSize(2);
          assertThat(managers[1].getNodes())
              .containsExactlyInAnyOrderElementsOf(managers[0].getNodes());
        });
    // Right after a join the partitions migrate and the cluster is briefly not safe; readiness
    // must turn true once that settles, on both nodes.
    Future.all(eventuallyUsable(first), eventuallyUsable(second))
        .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Void> eventuallyUsable(Vertx node) {
    return eventuallyUsable(node, new ClusterReadiness(node));
  }

  private static Future<Void> eventuallyUsable(Vertx node, ClusterReadiness readiness) {
    return readiness
        .isUsable(10_000)
        .compose(
            usable ->
                usable
                    ? Future.succeededFuture()
                    : node.timer(200).compose(fired -> eventuallyUsable(node, readiness)));
  }

  private HazelcastClusterManager[] startTwoNodes() throws Exception {
    int portA = FreePorts.find();
    int portB = FreePorts.find();
    List<String> members = List.of("127.0.0.1:" + portA, "127.0.0.1:" + portB);
    ServerConfig.Cluster a = cluster(portA, members);
    ServerConfig.Cluster b = cluster(portB, members);
    HazelcastClusterManager managerA = ClusterManagerFactory.create(a);
    HazelcastClusterManager managerB = ClusterManagerFactory.create(b);
    first = start(a, managerA);
    second = start(b, managerB);
    return new HazelcastClusterManager[] {managerA, managerB};
  }

  private static Vertx start(ServerConfig.Cluster cluster, HazelcastClusterManager manager)
      throws Exception {
    return Vertx.builder()
        .with(new VertxOptions().setEventBusOptions(ClusterManagerFactory.eventBusOptions(cluster)))
        .withClusterManager(manager)
        .buildClustered()
        .toCompletionStage()
        .toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
  }

  private static ServerConfig.Cluster cluster(int port, List<String> members) {
    return new ServerConfig.Cluster(
        true, Path.of("cluster-config", "hazelcast.xml"), members, port, "127.0.0.1");
  }
}
