package io.stateserver.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Judges the calibration run: the harness, offered twice the load against a trivial server, must
 * reach at least twice the best throughput it measured on a real target. Otherwise the real numbers
 * may be the harness's limit rather than the target's, and the results say so.
 */
final class Calibration {
  /** 2x, with 5% allowed for timer granularity and window edges of fixed-rate runs. */
  static final double REQUIRED_HEADROOM = 1.9;

  private Calibration() {}

  static JsonObject judge(JsonObject calib, JsonArray targets) {
    double best = 0;
    for (Object o : targets) {
      JsonObject t = (JsonObject) o;
      JsonObject s = t.getJsonObject("summary");
      if (s != null) {
        best = Math.max(best, s.getDouble("throughput", 0.0));
      }
    }
    double achieved = calib.getJsonObject("summary", new JsonObject()).getDouble("throughput", 0.0);
    double headroom = best > 0 ? achieved / best : 0;
    return calib
        .put("bestTargetThroughput", best)
        .put("calibrationThroughput", achieved)
        .put("headroom", Meter.round(headroom))
        .put("ok", headroom >= REQUIRED_HEADROOM)
        .put(
            "meaning",
            "the harness against a trivial fan-out server at 2x the offered load reached "
                + Meter.round(headroom)
                + "x the best target's throughput (needs >= 2, within 5%)");
  }
}
