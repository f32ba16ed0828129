package io.stateserver.bench;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * S1, idle capacity: N authenticated connections, each subscribed to its own key. Measures
 * connects/s (connect + authenticate + subscribe, {@value Harness#CONNECTS_IN_FLIGHT} in flight),
 * server memory per connection (RSS growth over the idle baseline), and that the connections are
 * alive afterwards (one update to a sample of the keys must arrive).
 */
final class IdleScenario implements Scenario {
  @Override
  public String id() {
    return "S1";
  }

  @Override
  public String title() {
    return "idle capacity: authenticated connections, each subscribed to one key";
  }

  @Override
  public String defaultTargets() {
    return "state,mosquitto,nats";
  }

  @Override
  public JsonObject run(Bench.Ctx ctx, String targetName, double loadFactor) {
    Options o = ctx.options;
    int wanted = o.integer("conns", 200, 5000, 50000);
    // Each connection holds one descriptor in the harness and one in the server.
    long fdLimit = Machine.openFileLimit();
    int conns = (int) Math.min(wanted, fdLimit > 0 ? fdLimit - 500 : wanted);
    double hold = o.number("hold-seconds", 2, 5, 10);
    // --no-subscribe: connect and authenticate only (tells connect cost from subscribe cost)
    boolean subscribe = !o.flag("no-subscribe");
    Bench.Target t = ctx.start(targetName, Map.of());
    Meter meter = new Meter();
    try (Progress progress = new Progress(ctx.harness, "S1 " + targetName, meter, t.pids())) {
      // Connect and drop a batch first, so that neither JVM's first-use costs (class loading,
      // JIT) count as connect rate.
      progress.phase("warmup");
      int warmup = o.integer("warmup-conns", 50, 500, 2000);
      Harness.Opened warm =
          ctx.harness.open(
              t.wire(),
              t.node(),
              warmup,
              i -> "s1-warmup-" + i,
              Wire.Role.READER,
              i -> ConnEvents.NONE,
              i -> List.of("devices/s1-warmup-" + i + "/state"));
      ctx.harness.closeAll(warm.conns());
      ctx.sleep(1);
      long rss0 = ServerWindow.rssKib(t.pids());
      long heap0 = JvmHeap.liveKib(t.pids());
      ServerWindow connecting = new ServerWindow(t.pids());
      progress.phase("connect");
      Harness.Opened opened =
          ctx.harness.open(
              t.wire(),
              t.node(),
              conns,
              i -> "s1-" + i,
              Wire.Role.READER,
              i -> meter,
              i -> subscribe ? List.of(key(i)) : List.of());
      JsonObject connectServer = connecting.end();
      progress.phase("idle");
      meter.startWindow();
      ServerWindow idle = new ServerWindow(t.pids());
      ctx.sleep(hold);
      long rss1 = ServerWindow.rssKib(t.pids());
      JsonObject idleServer = idle.end();
      long heap1 = heap0 < 0 ? -1 : JvmHeap.liveKib(t.pids());

      progress.phase("wake");
      int sample = Math.min(100, opened.conns().size());
      Harness.Opened writer =
          ctx.harness.open(
              t.wire(),
              t.node(),
              1,
              i -> "s1-writer",
              Wire.Role.WRITER,
              i -> meter,
              i -> List.of());
      for (int i = 0; i < sample; i++) {
        writer.conns().get(0).publish(t.wire().topic(key(i)), Payload.of(Clock.now(), 128));
      }
      ctx.sleep(Math.min(3, 1 + hold / 2));
      JsonObject window = meter.endWindow();
      ctx.harness.closeAll(writer.conns());
      ctx.harness.closeAll(opened.conns());

      int n = opened.conns().size();
      double perConnKib = n > 0 ? (rss1 - rss0) / (double) n : 0;
      Double heapPerConnKib =
          n > 0 && heap0 >= 0 && heap1 >= 0 ? Meter.round((heap1 - heap0) / (double) n) : null;
      JsonObject connectLatency = Meter.percentiles(opened.connectMicros());
      JsonObject summary =
          Summary.of(opened.perSecond(), "connects/s", window, connectServer, n)
              .put("p50Ms", connectLatency.getValue("p50"))
              .put("p90Ms", connectLatency.getValue("p90"))
              .put("p99Ms", connectLatency.getValue("p99"))
              .put("p999Ms", connectLatency.getValue("p999"))
              .put("maxMs", connectLatency.getValue("max"))
              .put("serverRssMiB", Meter.round(rss1 / 1024.0))
              .put("rssPerConnectionKiB", Meter.round(perConnKib))
              .put("liveHeapPerConnectionKiB", heapPerConnKib);
      return new JsonObject()
          .put("requestedConnections", wanted)
          .put("connections", n)
          .put("subscribed", subscribe)
          .put("connectFailures", opened.failures())
          .put(
              "limitedBy",
              conns < wanted ? "RLIMIT_NOFILE " + fdLimit + " per process (hard limit)" : null)
          .put("connectSeconds", Meter.round(opened.seconds()))
          .put("connectsPerSec", Meter.round(opened.perSecond()))
          .put("connectLatencyMs", connectLatency)
          .put("serverRssBeforeMiB", Meter.round(rss0 / 1024.0))
          .put("serverRssAfterMiB", Meter.round(rss1 / 1024.0))
          .put("rssPerConnectionKiB", Meter.round(perConnKib))
          .put("liveHeapPerConnectionKiB", heapPerConnKib)
          .put("serverDuringConnect", connectServer)
          .put("serverWhileIdle", idleServer)
          .put("wakeUpdatesSent", sample)
          .put("wakeDeliveries", window.getLong("deliveries"))
          .put("window", window)
          .put("summary", summary)
          .put("series", progress.series());
    } finally {
      ctx.stop(t);
    }
  }

  private static String key(int i) {
    return "devices/s1-" + i + "/state";
  }
}
