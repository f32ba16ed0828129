package io.stateserver.bench;

import io.vertx.core.json.JsonObject;
import java.util.List;

/** Server CPU seconds and memory over a measurement window (summed over the given processes). */
final class ServerWindow {
  private final List<Long> pids;
  private final double cpu0;
  private final long t0 = Clock.now();
  private static final long HARNESS = ProcessHandle.current().pid();
  private final double harness0 = ProcStats.cpuSeconds(HARNESS);

  ServerWindow(List<Long> pids) {
    this.pids = pids;
    this.cpu0 = cpu(pids);
  }

  static double cpu(List<Long> pids) {
    double total = 0;
    for (long pid : pids) {
      total += Math.max(0, ProcStats.cpuSeconds(pid));
    }
    return total;
  }

  static long rssKib(List<Long> pids) {
    long total = 0;
    for (long pid : pids) {
      total += Math.max(0, ProcStats.rssKib(pid));
    }
    return total;
  }

  JsonObject end() {
    double wall = (Clock.now() - t0) / 1e9;
    double cpu = cpu(pids) - cpu0;
    return new JsonObject()
        .put("wallSeconds", Meter.round(wall))
        .put("cpuSeconds", Meter.round(cpu))
        .put("cpuPercent", Meter.round(100 * cpu / Math.max(wall, 1e-9)))
        .put("rssMiB", Meter.round(rssKib(pids) / 1024.0))
        // The harness shares the machine: if it is near its cores' limit, so are the numbers.
        .put(
            "harnessCpuPercent",
            Meter.round(100 * (ProcStats.cpuSeconds(HARNESS) - harness0) / Math.max(wall, 1e-9)));
  }
}
