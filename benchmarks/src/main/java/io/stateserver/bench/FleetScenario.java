package io.stateserver.bench;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.HdrHistogram.Histogram;

/**
 * S3, a Pi fleet: clients each follow a few of many keys, chosen with Zipf-skewed popularity (a few
 * keys have most followers); publishers update uniformly random keys at a fixed total rate.
 *
 * <p>S4 adds slow consumers: 1% of the clients stop reading for a while. Measured: the others'
 * latency before and during the stall, the server's extra memory per stalled client, and how long
 * each stalled client takes after it reads again until it receives an update sent after that moment
 * (its backlog is gone, it is current).
 */
final class FleetScenario implements Scenario {
  private final boolean stall;

  FleetScenario(boolean stall) {
    this.stall = stall;
  }

  @Override
  public String id() {
    return stall ? "S4" : "S3";
  }

  @Override
  public String title() {
    return stall
        ? "slow consumers: the fleet plus 1% of clients that stop reading"
        : "Pi fleet: clients following a few of many keys, skewed popularity";
  }

  @Override
  public String defaultTargets() {
    return "state,mosquitto,nats";
  }

  /** A stalled client's deliveries, and when it became current after reading again. */
  private static final class Stalled implements ConnEvents {
    final Meter meter;
    volatile long resumedAt;
    volatile long currentAt;

    Stalled(Meter meter) {
      this.meter = meter;
    }

    @Override
    public void delivered(long sentNanos) {
      meter.delivered(sentNanos);
      if (resumedAt > 0 && currentAt == 0 && sentNanos >= resumedAt) {
        currentAt = Clock.now();
      }
    }

    @Override
    public void error(String code) {
      meter.error(code);
    }

    @Override
    public void disconnected() {
      meter.disconnected();
    }
  }

  @Override
  public JsonObject run(Bench.Ctx ctx, String targetName, double loadFactor) {
    Options o = ctx.options;
    int clients = o.integer("clients", 200, 2000, 10000);
    int keys = o.integer("keys", 100, 1000, 1000);
    int perClient = Math.min(keys, o.integer("keys-per-client", 10, 10, 10));
    double updates = o.number("updates", 100, 500, 1000) * loadFactor;
    double duration = o.number("duration", 3, 10, 30);
    // Not counted: a JVM target runs interpreted code and falls behind for its first seconds (S4
    // moderate with 2 s: this server delivered 8.5k of the offered 10k/s in the steady window).
    double warmup = o.number("warmup", Math.min(2.0, duration / 3), 10, 10);
    double skew = o.number("skew", 1.0, 1.0, 1.0);
    double stallSeconds = o.number("stall-seconds", 2, 10, 30);
    double stalledPercent = o.number("stalled-percent", 1, 1, 1);
    int payload = o.integer("payload", 128, 128, 128);

    List<List<String>> follows = follows(clients, keys, perClient, skew);
    int stalledCount = stall ? Math.max(1, (int) Math.round(clients * stalledPercent / 100)) : 0;
    // Spread the stalled clients over the fleet: every (clients / stalledCount)-th one.
    Set<Integer> stalledIndexes = new HashSet<>();
    for (int s = 0; s < stalledCount; s++) {
      stalledIndexes.add((int) ((long) s * clients / stalledCount));
    }
    Meter meter = new Meter();
    Meter stalledMeter = new Meter();
    List<Stalled> stalledEvents = new ArrayList<>();
    ConnEvents[] events = new ConnEvents[clients];
    for (int i = 0; i < clients; i++) {
      if (stalledIndexes.contains(i)) {
        Stalled s = new Stalled(stalledMeter);
        stalledEvents.add(s);
        events[i] = s;
      } else {
        events[i] = meter;
      }
    }

    Bench.Target t = ctx.start(targetName, Map.of());
    try (Progress progress = new Progress(ctx.harness, id() + " " + targetName, meter, t.pids())) {
      progress.phase("connect");
      Harness.Opened opened =
          ctx.harness.open(
              t.wire(),
              t.node(),
              clients,
              i -> "fleet-" + i,
              Wire.Role.READER,
              i -> events[i],
              follows::get);
      List<Conn> stalledConns = new ArrayList<>();
      // opened.conns() skips failures, so find the stalled ones by position only when all opened
      if (opened.failures() == 0) {
        for (int i : stalledIndexes) {
          stalledConns.add(opened.conns().get(i));
        }
      }
      int publishers = (int) Math.max(1, Math.ceil(updates / 200));
      Meter publisherEvents = new Meter();
      Harness.Opened pubs =
          ctx.harness.open(
              t.wire(),
              t.node(),
              publishers,
              i -> "fleet-pub-" + i,
              Wire.Role.WRITER,
              i -> publisherEvents,
              i -> List.of());
      List<FixedRate> senders = new ArrayList<>();
      for (int p = 0; p < pubs.conns().size(); p++) {
        Conn publisher = pubs.conns().get(p);
        Random random = new Random(1000 + p);
        senders.add(
            new FixedRate(
                    ctx.harness.vertx,
                    updates / pubs.conns().size(),
                    (n, intended) ->
                        publisher.publish(
                            t.wire().topic(key(random.nextInt(keys))),
                            Payload.of(intended, payload)))
                .start());
      }
      progress.phase("warmup");
      ctx.sleep(warmup);

      progress.phase("steady");
      meter.startWindow();
      ServerWindow server = new ServerWindow(t.pids());
      ctx.sleep(duration);
      JsonObject steady = meter.endWindow();
      JsonObject steadyServer = server.end();
      JsonObject summary =
          Summary.of(
              steady.getDouble("deliveriesPerSec"),
              "deliveries/s",
              steady,
              steadyServer,
              steady.getLong("deliveries"));
      JsonObject result =
          new JsonObject()
              .put("clients", opened.conns().size())
              .put("connectFailures", opened.failures())
              .put("connectsPerSec", Meter.round(opened.perSecond()))
              .put("keys", keys)
              .put("keysPerClient", perClient)
              .put("skew", skew)
              .put("updatesPerSec", updates)
              .put("warmupSeconds", warmup)
              .put("publishers", pubs.conns().size())
              .put("steady", steady)
              .put("steadyServer", steadyServer);

      if (stall) {
        result.put("stalledClients", stalledConns.size());
        long rssBefore = ServerWindow.rssKib(t.pids());
        // Live heap (JVM targets) is taken outside the measured windows: it runs a full GC.
        long heapBefore = JvmHeap.liveKib(t.pids());
        progress.phase("stalled");
        stalledConns.forEach(Conn::pause);
        meter.startWindow();
        ServerWindow stallServer = new ServerWindow(t.pids());
        ctx.sleep(stallSeconds);
        JsonObject during = meter.endWindow();
        long rssDuring = ServerWindow.rssKib(t.pids());
        JsonObject duringServer = stallServer.end();
        long heapDuring = heapBefore < 0 ? -1 : JvmHeap.liveKib(t.pids());
        progress.phase("recovery");
        stalledMeter.startWindow();
        long resumedAt = Clock.now();
        for (Stalled s : stalledEvents) {
          s.resumedAt = resumedAt;
        }
        stalledConns.forEach(Conn::resume);
        double recoverySeconds = Math.max(3, Math.min(10, stallSeconds / 2));
        ctx.sleep(recoverySeconds);
        JsonObject stalledWindow = stalledMeter.endWindow();
        Histogram catchUp = new Histogram(3);
        int notCurrent = 0;
        for (Stalled s : stalledEvents) {
          if (s.currentAt > 0) {
            catchUp.recordValue((s.currentAt - resumedAt) / 1000);
          } else {
            notCurrent++;
          }
        }
        double baseP99 = steady.getJsonObject("latencyMs").getDouble("p99", 0.0);
        double stallP99 = during.getJsonObject("latencyMs").getDouble("p99", 0.0);
        double extraKib =
            stalledConns.isEmpty() ? 0 : (rssDuring - rssBefore) / (double) stalledConns.size();
        Double extraHeapKib =
            stalledConns.isEmpty() || heapBefore < 0 || heapDuring < 0
                ? null
                : Meter.round((heapDuring - heapBefore) / (double) stalledConns.size());
        result
            .put("othersDuringStall", during)
            .put("serverDuringStall", duringServer)
            .put("othersP99RatioToSteady", baseP99 > 0 ? Meter.round(stallP99 / baseP99) : null)
            .put("extraRssPerStalledClientKiB", Meter.round(extraKib))
            .put("extraLiveHeapPerStalledClientKiB", extraHeapKib)
            .put("stalledAfterResume", stalledWindow)
            .put("stalledCatchUpMs", Meter.percentiles(catchUp))
            .put("stalledNotCurrentAfter" + (int) recoverySeconds + "s", notCurrent)
            .put("stalledDisconnects", stalledMeter.disconnects());
        summary =
            Summary.of(
                    during.getDouble("deliveriesPerSec"),
                    "deliveries/s",
                    during,
                    duringServer,
                    during.getLong("deliveries"))
                .put("othersP99RatioToSteady", result.getValue("othersP99RatioToSteady"))
                .put("extraRssPerStalledClientKiB", Meter.round(extraKib))
                .put("extraLiveHeapPerStalledClientKiB", extraHeapKib)
                .put("stalledCatchUpP99Ms", Meter.percentiles(catchUp).getValue("p99"))
                .put("stalledNotCurrent", notCurrent)
                .put("disconnects", during.getLong("disconnects") + stalledMeter.disconnects());
      }
      senders.forEach(FixedRate::stop);
      summary.put("errors", summary.getLong("errors") + publisherEvents.errors());
      ctx.harness.closeAll(pubs.conns());
      ctx.harness.closeAll(opened.conns());
      return result.put("summary", summary).put("series", progress.series());
    } finally {
      ctx.stop(t);
    }
  }

  static String key(int k) {
    return "config/fleet/k" + k;
  }

  /** Each client's keys: distinct, drawn by Zipf(skew) popularity; seeded, so runs compare. */
  static List<List<String>> follows(int clients, int keys, int perClient, double skew) {
    double[] cdf = new double[keys];
    double sum = 0;
    for (int k = 0; k < keys; k++) {
      sum += 1 / Math.pow(k + 1, skew);
      cdf[k] = sum;
    }
    Random random = new Random(42);
    List<List<String>> follows = new ArrayList<>(clients);
    for (int c = 0; c < clients; c++) {
      Set<Integer> chosen = new HashSet<>();
      while (chosen.size() < perClient) {
        double u = random.nextDouble() * sum;
        int idx = java.util.Arrays.binarySearch(cdf, u);
        chosen.add(idx >= 0 ? idx : Math.min(keys - 1, -idx - 1));
      }
      List<String> list = new ArrayList<>();
      for (int k : chosen) {
        list.add(key(k));
      }
      follows.add(list);
    }
    return follows;
  }
}
