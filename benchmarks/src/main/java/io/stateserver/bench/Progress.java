package io.stateserver.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The live progress line (stderr, rewritten every second) and the per-second time series kept for
 * the report: deliveries/s, p99 of that second, server CPU and memory.
 */
final class Progress implements AutoCloseable {
  private final Harness harness;
  private final Meter meter;
  private final List<Long> serverPids;
  private final String label;
  private final JsonArray series = new JsonArray();
  private final long timer;
  private final long start = Clock.now();
  private volatile String phase = "starting";
  private long lastDeliveries;
  private double lastCpu;
  private double lastHarnessCpu;
  private static final long HARNESS = ProcessHandle.current().pid();

  Progress(Harness harness, String label, Meter meter, List<Long> serverPids) {
    this.harness = harness;
    this.label = label;
    this.meter = meter;
    this.serverPids = serverPids;
    this.lastCpu = cpu();
    this.lastHarnessCpu = ProcStats.cpuSeconds(HARNESS);
    this.timer = harness.vertx.setPeriodic(1000, id -> tick());
  }

  void phase(String phase) {
    this.phase = phase;
  }

  private double cpu() {
    double total = 0;
    for (long pid : serverPids) {
      total += Math.max(0, ProcStats.cpuSeconds(pid));
    }
    return total;
  }

  private long rssKib() {
    long total = 0;
    for (long pid : serverPids) {
      total += Math.max(0, ProcStats.rssKib(pid));
    }
    return total;
  }

  private synchronized void tick() {
    Histogram second = meter.drain();
    long deliveries = meter.deliveries();
    double cpu = cpu();
    double t = (Clock.now() - start) / 1e9;
    long rate = deliveries - lastDeliveries;
    double cpuPct = (cpu - lastCpu) * 100;
    double harnessCpu = ProcStats.cpuSeconds(HARNESS);
    double harnessPct = (harnessCpu - lastHarnessCpu) * 100;
    lastHarnessCpu = harnessCpu;
    double p99 = second.getTotalCount() == 0 ? 0 : second.getValueAtPercentile(99) / 1000.0;
    long rss = rssKib();
    lastDeliveries = deliveries;
    lastCpu = cpu;
    series.add(
        new JsonObject()
            .put("t", Meter.round(t))
            .put("phase", phase)
            .put("deliveriesPerSec", rate)
            .put("p99Ms", Meter.round(p99))
            .put("serverCpuPct", Meter.round(cpuPct))
            .put("serverRssMiB", rss / 1024)
            .put("harnessCpuPct", Meter.round(harnessPct)));
    System.err.printf(
        "\r[%s %s %5.0fs] conns=%d deliveries/s=%d p99=%.2fms errors=%d disconnects=%d"
            + " server cpu=%.0f%% rss=%dMiB harness cpu=%.0f%%      ",
        label,
        phase,
        t,
        harness.opened(),
        rate,
        p99,
        meter.errors(),
        meter.disconnects(),
        cpuPct,
        rss / 1024,
        harnessPct);
  }

  JsonArray series() {
    return series;
  }

  @Override
  public void close() {
    harness.vertx.cancelTimer(timer);
    System.err.println();
  }
}
