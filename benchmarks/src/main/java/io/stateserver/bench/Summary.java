package io.stateserver.bench;

import io.vertx.core.json.JsonObject;

/** The fields every target result shares, for side-by-side tables. */
final class Summary {
  private Summary() {}

  /**
   * @param throughput the scenario's headline rate (deliveries/s, connects/s or writes/s)
   * @param unit what {@code throughput} counts
   * @param window a {@link Meter#endWindow()} result (its latency and counts are used)
   * @param server a {@link ServerWindow#end()} result
   * @param events how many deliveries (or writes) the server CPU paid for in that window
   */
  static JsonObject of(
      double throughput, String unit, JsonObject window, JsonObject server, long events) {
    JsonObject latency = window.getJsonObject("latencyMs", new JsonObject());
    double cpu = server.getDouble("cpuSeconds", 0.0);
    return new JsonObject()
        .put("throughput", Meter.round(throughput))
        .put("unit", unit)
        .put("p50Ms", latency.getValue("p50"))
        .put("p90Ms", latency.getValue("p90"))
        .put("p99Ms", latency.getValue("p99"))
        .put("p999Ms", latency.getValue("p999"))
        .put("maxMs", latency.getValue("max"))
        .put("serverCpuSeconds", cpu)
        .put("perServerCpuSecond", cpu > 0 ? Meter.round(events / cpu) : null)
        .put("serverRssMiB", server.getValue("rssMiB"))
        .put("harnessCpuPercent", server.getValue("harnessCpuPercent"))
        .put("errors", window.getLong("errors", 0L))
        .put("disconnects", window.getLong("disconnects", 0L));
  }
}
