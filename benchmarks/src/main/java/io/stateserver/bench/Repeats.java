package io.stateserver.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Folds repeated runs of one scenario against one target into one result: the run with the median
 * headline throughput, plus every run's summary and the spread. On a shared 2-core machine the same
 * command varies by 30% or more from run to run, so one run cannot tell a gain from noise.
 */
final class Repeats {
  private Repeats() {}

  static JsonObject combine(List<JsonObject> runs) {
    if (runs.size() == 1) {
      return runs.get(0);
    }
    List<JsonObject> sorted = new ArrayList<>(runs);
    sorted.sort(Comparator.comparingDouble(r -> number(r, "throughput")));
    JsonObject median = sorted.get(sorted.size() / 2).copy();
    JsonArray summaries = new JsonArray();
    for (JsonObject run : runs) {
      summaries.add(run.getJsonObject("summary", new JsonObject()));
    }
    return median
        .put("repeats", summaries)
        .put(
            "spread",
            new JsonObject()
                .put("runs", runs.size())
                .put("throughput", range(runs, "throughput"))
                .put("p99Ms", range(runs, "p99Ms")));
  }

  private static JsonObject range(List<JsonObject> runs, String field) {
    List<Double> values = new ArrayList<>();
    for (JsonObject run : runs) {
      values.add(number(run, field));
    }
    values.sort(Double::compare);
    return new JsonObject()
        .put("min", Meter.round(values.get(0)))
        .put("median", Meter.round(values.get(values.size() / 2)))
        .put("max", Meter.round(values.get(values.size() - 1)));
  }

  private static double number(JsonObject run, String field) {
    JsonObject summary = run.getJsonObject("summary");
    return summary != null && summary.getValue(field) instanceof Number n ? n.doubleValue() : 0;
  }
}
