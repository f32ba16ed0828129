package io.stateserver.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * S6, cluster: 1, 2 and 3 nodes of this server sharing one database (an H2 TCP server the harness
 * starts, or {@code --db postgres}). The publisher is on the first node; with more than one node
 * the subscribers are spread over the other nodes, so every delivery crosses the cluster. The hot
 * key at a fixed rate, as in S2. Mosquitto and NATS are not clustered here.
 */
final class ClusterScenario implements Scenario {
  @Override
  public String id() {
    return "S6";
  }

  @Override
  public String title() {
    return "cluster: publisher on one node, subscribers on the others";
  }

  @Override
  public String defaultTargets() {
    return "state";
  }

  @Override
  public JsonObject run(Bench.Ctx ctx, String targetName, double loadFactor) {
    Options o = ctx.options;
    List<Double> sizes = o.numbers("nodes", "1,2", "1,2,3", "1,2,3");
    int subs = o.integer("subs", 100, 1000, 3000);
    double rate = o.number("rate", 20, 100, 200);
    double duration = o.number("duration", 3, 8, 15);
    double warmup = o.number("warmup", 0, 5, 10);
    int payload = o.integer("payload", 128, 128, 128);
    String db = o.string("db", "h2");
    if (!targetName.equals("state")) {
      // The calibration server does not cluster: measure its single node at the offered load.
      sizes = List.of(1.0);
    }
    JsonArray clusters = new JsonArray();
    JsonObject best = null;
    Double oneNodeP99 = null;
    Double twoNodeP99 = null;
    for (double size : sizes) {
      int n = (int) size;
      List<Systems.Node> nodes = startCluster(ctx, targetName, n, db);
      List<Long> pids = nodes.stream().map(Systems.Node::pid).toList();
      Bench.Target t = new Bench.Target(targetName, ctx.wire(targetName), nodes.get(0), pids);
      Meter meter = new Meter();
      try (Progress progress = new Progress(ctx.harness, "S6 " + n + " node(s)", meter, pids)) {
        progress.phase("connect");
        List<Systems.Node> subscriberNodes = n == 1 ? nodes : nodes.subList(1, n);
        JsonObject measured =
            HotKeyScenario.measure(
                ctx,
                t,
                subscriberNodes,
                meter,
                progress,
                subs,
                List.of(rate),
                loadFactor,
                warmup,
                duration,
                payload);
        JsonObject summary = measured.getJsonObject("summary");
        clusters.add(measured.put("nodes", n).put("series", progress.series()).put("db", db));
        if (n == 1) {
          oneNodeP99 = summary.getDouble("p99Ms");
        } else if (n == 2) {
          twoNodeP99 = summary.getDouble("p99Ms");
        }
        if (best == null) {
          best = summary.copy().put("nodes", n);
        }
      } finally {
        ctx.systems.close();
      }
    }
    JsonObject result = new JsonObject().put("clusters", clusters).put("summary", best);
    if (oneNodeP99 != null && twoNodeP99 != null) {
      result.put("crossNodeAddedP99Ms", Meter.round(twoNodeP99 - oneNodeP99));
    }
    return result;
  }

  private static List<Systems.Node> startCluster(
      Bench.Ctx ctx, String targetName, int n, String db) {
    if (!targetName.equals("state")) {
      return List.of(ctx.systems.calibServer("calib"));
    }
    String url =
        db.equals("postgres") ? ctx.systems.freshPostgres() : ctx.systems.h2TcpServer("h2");
    List<String> members = new ArrayList<>();
    List<Integer> clusterPorts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int port = Systems.freePort();
      clusterPorts.add(port);
      members.add(Systems.HOST + ":" + port);
    }
    List<Map<String, String>> envs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Map<String, String> env = new HashMap<>();
      env.put("STATE_DB_URL", url);
      if (n > 1) {
        env.put("STATE_CLUSTER", "true");
        env.put("STATE_CLUSTER_PORT", Integer.toString(clusterPorts.get(i)));
        env.put("STATE_CLUSTER_MEMBERS", String.join(",", members));
        env.put(
            "STATE_CLUSTER_CONFIG",
            ctx.options.root().resolve("cluster-config/hazelcast.xml").toString());
      }
      envs.add(env);
    }
    // The first node migrates the schema alone; the others then join together.
    List<Systems.Node> nodes = new ArrayList<>();
    nodes.add(ctx.systems.stateServer("node1", envs.get(0)));
    List<CompletableFuture<Systems.Node>> rest = new ArrayList<>();
    for (int i = 1; i < n; i++) {
      final int index = i;
      rest.add(
          CompletableFuture.supplyAsync(
              () -> ctx.systems.stateServer("node" + (index + 1), envs.get(index))));
    }
    rest.forEach(f -> nodes.add(f.join()));
    ctx.sleep(1);
    return nodes;
  }
}
