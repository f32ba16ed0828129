package io.stateserver.bench;

import io.vertx.core.json.JsonObject;

/**
 * One benchmark scenario. {@link #run} measures one target and returns its result; the result's
 * {@code summary} always has the same fields (see {@link Summary}) so that the report can put the
 * targets side by side.
 */
interface Scenario {
  String id();

  String title();

  /** Targets measured when {@code --targets} is not given. */
  String defaultTargets();

  /**
   * @param target {@code state}, {@code mosquitto}, {@code nats} or {@code calib}
   * @param loadFactor multiplies the offered load (2 for the calibration run)
   */
  JsonObject run(Bench.Ctx ctx, String target, double loadFactor);
}
