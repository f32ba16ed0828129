package io.stateserver.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counts deliveries, errors and disconnects of a group of connections and records their latency
 * (microseconds, from intended send time to arrival) without locks on the hot path. Windows and the
 * per-second progress both drain the same {@link Recorder}, so nothing is recorded twice.
 */
public final class Meter implements ConnEvents {
  private final Recorder recorder = new Recorder(3);
  private final LongAdder deliveries = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final LongAdder disconnects = new LongAdder();
  private final Map<String, LongAdder> errorCodes = new ConcurrentHashMap<>();
  private final Histogram window = new Histogram(3);
  private long windowStartNanos;
  private long windowStartDeliveries;
  private long windowStartErrors;
  private long windowStartDisconnects;

  @Override
  public void delivered(long sentNanos) {
    recordLatency(sentNanos);
    deliveries.increment();
  }

  /** Records a latency without counting a delivery (e.g. a write acknowledgement). */
  public void recordLatency(long sentNanos) {
    long micros = Math.max(0, (Clock.now() - sentNanos) / 1000);
    recorder.recordValue(micros);
  }

  public void countDelivery() {
    deliveries.increment();
  }

  @Override
  public void error(String code) {
    errors.increment();
    errorCodes.computeIfAbsent(code, c -> new LongAdder()).increment();
  }

  @Override
  public void disconnected() {
    disconnects.increment();
  }

  public long deliveries() {
    return deliveries.sum();
  }

  public long errors() {
    return errors.sum();
  }

  public long disconnects() {
    return disconnects.sum();
  }

  /** Moves what was recorded since the last drain into the window; returns the last interval. */
  public synchronized Histogram drain() {
    Histogram interval = recorder.getIntervalHistogram();
    window.add(interval);
    return interval;
  }

  /** Starts a measurement window: everything recorded before is dropped. */
  public synchronized void startWindow() {
    drain();
    window.reset();
    windowStartNanos = Clock.now();
    windowStartDeliveries = deliveries();
    windowStartErrors = errors();
    windowStartDisconnects = disconnects();
  }

  /** Ends the window: counts, rate and latency percentiles since {@link #startWindow()}. */
  public synchronized JsonObject endWindow() {
    drain();
    double seconds = (Clock.now() - windowStartNanos) / 1e9;
    long count = deliveries() - windowStartDeliveries;
    Map<String, Long> codes = new TreeMap<>();
    errorCodes.forEach((code, n) -> codes.put(code, n.sum()));
    return new JsonObject()
        .put("seconds", round(seconds))
        .put("deliveries", count)
        .put("deliveriesPerSec", round(count / Math.max(seconds, 1e-9)))
        .put("errors", errors() - windowStartErrors)
        .put("disconnects", disconnects() - windowStartDisconnects)
        .put("errorCodesTotal", new JsonObject(new TreeMap<String, Object>(codes)))
        .put("latencyMs", percentiles(window));
  }

  static JsonObject percentiles(Histogram h) {
    JsonObject out = new JsonObject().put("samples", h.getTotalCount());
    if (h.getTotalCount() == 0) {
      return out;
    }
    return out.put("p50", ms(h.getValueAtPercentile(50)))
        .put("p90", ms(h.getValueAtPercentile(90)))
        .put("p99", ms(h.getValueAtPercentile(99)))
        .put("p999", ms(h.getValueAtPercentile(99.9)))
        .put("max", ms(h.getMaxValue()))
        .put("mean", round(h.getMean() / 1000.0));
  }

  static JsonArray toArray(double... values) {
    JsonArray a = new JsonArray();
    for (double v : values) {
      a.add(v);
    }
    return a;
  }

  private static double ms(long micros) {
    return round(micros / 1000.0);
  }

  static double round(double v) {
    return Math.round(v * 1000.0) / 1000.0;
  }
}
