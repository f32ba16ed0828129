package io.stateserver.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * S2, one hot key: many subscribers of one key, one publisher stepping its rate up. Each step
 * records deliveries/s, publish-to-delivery latency and server CPU, so the systems can be compared
 * in deliveries per server CPU-second at equal latency.
 */
final class HotKeyScenario implements Scenario {
  static final String HOT_KEY = "config/hot";

  @Override
  public String id() {
    return "S2";
  }

  @Override
  public String title() {
    return "one hot key: many subscribers, publish rate stepped up";
  }

  @Override
  public String defaultTargets() {
    return "state,mosquitto,nats";
  }

  @Override
  public JsonObject run(Bench.Ctx ctx, String targetName, double loadFactor) {
    Options o = ctx.options;
    int subs = o.integer("subs", 100, 1000, 5000);
    List<Double> rates = o.numbers("rates", "10,50", "10,50,100,200", "10,50,100,150,200");
    double stepSeconds = o.number("step-seconds", 2, 5, 15);
    double warmup = o.number("warmup", 0, 10, 20);
    int payload = o.integer("payload", 128, 128, 128);
    Bench.Target t = ctx.start(targetName, Map.of());
    Meter meter = new Meter();
    try (Progress progress = new Progress(ctx.harness, "S2 " + targetName, meter, t.pids())) {
      progress.phase("connect");
      return measure(ctx, t, meter, progress, subs, rates, loadFactor, warmup, stepSeconds, payload)
          .put("series", progress.series());
    } finally {
      ctx.stop(t);
    }
  }

  /** Subscribers on {@code subscriberNode}, the publisher on {@code t.node()}; shared with S6. */
  static JsonObject measure(
      Bench.Ctx ctx,
      Bench.Target t,
      Meter meter,
      Progress progress,
      int subs,
      List<Double> rates,
      double loadFactor,
      double warmupSeconds,
      double stepSeconds,
      int payload) {
    return measure(
        ctx,
        t,
        List.of(t.node()),
        meter,
        progress,
        subs,
        rates,
        loadFactor,
        warmupSeconds,
        stepSeconds,
        payload);
  }

  static JsonObject measure(
      Bench.Ctx ctx,
      Bench.Target t,
      List<Systems.Node> subscriberNodes,
      Meter meter,
      Progress progress,
      int subs,
      List<Double> rates,
      double loadFactor,
      double warmupSeconds,
      double stepSeconds,
      int payload) {
    List<Conn> subscribers = new java.util.ArrayList<>();
    int failures = 0;
    double connectSeconds = 0;
    for (int n = 0; n < subscriberNodes.size(); n++) {
      int share = subs / subscriberNodes.size() + (n < subs % subscriberNodes.size() ? 1 : 0);
      final int node = n;
      Harness.Opened opened =
          ctx.harness.open(
              t.wire(),
              subscriberNodes.get(n),
              share,
              i -> "hot-" + node + "-" + i,
              Wire.Role.READER,
              i -> meter,
              i -> List.of(HOT_KEY));
      subscribers.addAll(opened.conns());
      failures += opened.failures();
      connectSeconds += opened.seconds();
    }
    Meter publisherEvents = new Meter();
    Harness.Opened pub =
        ctx.harness.open(
            t.wire(),
            t.node(),
            1,
            i -> "hot-pub",
            Wire.Role.WRITER,
            i -> publisherEvents,
            i -> List.of());
    Conn publisher = pub.conns().get(0);
    String topic = t.wire().topic(HOT_KEY);
    if (warmupSeconds > 0) {
      // Not counted: the first rate for a while, so that a JVM target's JIT has compiled the
      // fan-out path before the first measured step. The peers run the same warm-up.
      progress.phase("warmup");
      FixedRate warming =
          new FixedRate(
                  ctx.harness.vertx,
                  rates.get(0) * loadFactor,
                  (n, intended) -> publisher.publish(topic, Payload.of(intended, payload)))
              .start();
      try {
        ctx.sleep(warmupSeconds);
      } finally {
        warming.stop();
      }
      ctx.sleep(0.5);
    }
    JsonArray steps = new JsonArray();
    JsonObject best = null;
    for (double baseRate : rates) {
      double rate = baseRate * loadFactor;
      progress.phase(Math.round(rate) + "Hz");
      FixedRate sender =
          new FixedRate(
                  ctx.harness.vertx,
                  rate,
                  (n, intended) -> publisher.publish(topic, Payload.of(intended, payload)))
              .start();
      long publisherErrorsBefore;
      JsonObject window;
      JsonObject serverStats;
      try {
        ctx.sleep(Math.min(1.0, stepSeconds / 4));
        publisherErrorsBefore = publisherEvents.errors();
        meter.startWindow();
        ServerWindow server = new ServerWindow(t.pids());
        ctx.sleep(stepSeconds);
        window = meter.endWindow();
        serverStats = server.end();
      } finally {
        sender.stop();
      }
      double expected = rate * subscribers.size();
      JsonObject summary =
          Summary.of(
              window.getDouble("deliveriesPerSec"),
              "deliveries/s",
              window,
              serverStats,
              window.getLong("deliveries"));
      // the publisher's errors in this step's window only
      summary.put(
          "errors", summary.getLong("errors") + publisherEvents.errors() - publisherErrorsBefore);
      JsonObject step =
          new JsonObject()
              .put("x", Meter.round(rate))
              .put("xLabel", "publish rate (Hz)")
              .put("expectedDeliveriesPerSec", Meter.round(expected))
              .put(
                  "deliveredFraction",
                  Meter.round(window.getDouble("deliveriesPerSec") / Math.max(expected, 1e-9)))
              .put("window", window)
              .put("server", serverStats)
              .put("summary", summary);
      steps.add(step);
      if (best == null || summary.getDouble("throughput") > best.getDouble("throughput", 0.0)) {
        best = summary;
      }
      ctx.sleep(0.5);
    }
    ctx.harness.closeAll(pub.conns());
    ctx.harness.closeAll(subscribers);
    return new JsonObject()
        .put("subscribers", subscribers.size())
        .put("connectFailures", failures)
        .put("connectSeconds", Meter.round(connectSeconds))
        .put("warmupSeconds", warmupSeconds)
        .put("publisherErrors", publisherEvents.errors())
        .put("steps", steps)
        .put("summary", best);
  }
}
