package io.stateserver.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * S5, durable writes: writers each keep {@code window} writes of their own key in flight and send
 * the next as soon as one is acknowledged (closed loop, so this finds the maximum). An
 * acknowledgement means committed to the database (PROTOCOL.md section 3). Only this server
 * acknowledges writes; MQTT QoS 0 and NATS core do not, so they are not measured here.
 */
final class WritesScenario implements Scenario {
  @Override
  public String id() {
    return "S5";
  }

  @Override
  public String title() {
    return "durable writes: acknowledged writes/s";
  }

  @Override
  public String defaultTargets() {
    return "state";
  }

  @Override
  public JsonObject run(Bench.Ctx ctx, String targetName, double loadFactor) {
    Options o = ctx.options;
    int writers = (int) Math.round(o.integer("writers", 20, 200, 1000) * loadFactor);
    int window = o.integer("window", 1, 1, 1);
    double duration = o.number("duration", 3, 10, 20);
    int payload = o.integer("payload", 128, 128, 128);
    String db = o.string("db", "h2");
    Wire wire = ctx.wire(targetName);
    if (!wire.acknowledgesWrites()) {
      return new JsonObject().put("skipped", targetName + " does not acknowledge writes");
    }
    Map<String, String> env =
        db.equals("postgres") && targetName.equals("state")
            ? Map.of("STATE_DB_URL", ctx.systems.freshPostgres())
            : Map.of();
    Bench.Target t = ctx.start(targetName, env);
    Meter meter = new Meter();
    AtomicBoolean running = new AtomicBoolean(true);
    try (Progress progress = new Progress(ctx.harness, "S5 " + targetName, meter, t.pids())) {
      progress.phase("connect");
      Harness.Opened opened =
          ctx.harness.open(
              t.wire(),
              t.node(),
              writers,
              i -> "w-" + i,
              Wire.Role.READER,
              i -> meter,
              i -> List.of());
      progress.phase("writing");
      for (int i = 0; i < opened.conns().size(); i++) {
        Conn conn = opened.conns().get(i);
        String key = t.wire().topic("devices/w-" + i + "/value");
        for (int w = 0; w < window; w++) {
          writeLoop(ctx.harness.vertx, conn, key, payload, meter, running);
        }
      }
      // The server JIT-compiles its write path first; that ramp is not counted. On two shared
      // cores its C2 compiler threads still used 55% of a core 20-30 s into a full-scale run, and
      // 9% at 50 s.
      double warmup = o.number("warmup", Math.min(2.0, duration / 3), 20, 45);
      ctx.sleep(warmup);
      meter.startWindow();
      ServerWindow server = new ServerWindow(t.pids());
      ctx.sleep(duration);
      JsonObject measured = meter.endWindow();
      JsonObject serverStats = server.end();
      running.set(false);
      ctx.sleep(1);
      ctx.harness.closeAll(opened.conns());
      return new JsonObject()
          .put("db", targetName.equals("state") ? db : "none")
          .put("warmupSeconds", warmup)
          .put("writers", opened.conns().size())
          .put("window", window)
          .put("connectFailures", opened.failures())
          .put("writes", measured)
          .put("server", serverStats)
          .put(
              "summary",
              Summary.of(
                  measured.getDouble("deliveriesPerSec"),
                  "acknowledged writes/s",
                  measured,
                  serverStats,
                  measured.getLong("deliveries")))
          .put("series", progress.series());
    } finally {
      running.set(false);
      ctx.stop(t);
    }
  }

  private static void writeLoop(
      Vertx vertx, Conn conn, String key, int payload, Meter meter, AtomicBoolean running) {
    if (!running.get()) {
      return;
    }
    long sent = Clock.now();
    conn.write(key, Payload.of(sent, payload))
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                meter.recordLatency(sent);
                meter.countDelivery();
                writeLoop(vertx, conn, key, payload, meter, running);
              } else if (running.get()) {
                // e.g. rate_limited or unavailable: already counted as an error; back off a bit
                vertx.setTimer(100, id -> writeLoop(vertx, conn, key, payload, meter, running));
              }
            });
  }
}
