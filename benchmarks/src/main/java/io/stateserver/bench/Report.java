package io.stateserver.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The self-contained HTML report: tables and inline SVG charts, no scripts, no network. */
final class Report {
  private static final String[] COLORS = {
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"
  };
  private static final int W = 560;
  private static final int H = 300;
  private static final int PAD_L = 70;
  private static final int PAD_B = 45;
  private static final int PAD_T = 30;
  private static final int PAD_R = 120;

  private Report() {}

  static String html(JsonObject run) {
    List<JsonObject> targets = new ArrayList<>();
    for (Object o : run.getJsonArray("targets", new JsonArray())) {
      targets.add((JsonObject) o);
    }
    JsonObject calibration = run.getJsonObject("calibration");
    List<JsonObject> all = new ArrayList<>(targets);
    if (calibration != null && calibration.getJsonObject("summary") != null) {
      all.add(calibration);
    }
    StringBuilder h = new StringBuilder();
    h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>")
        .append(esc(run.getString("scenario") + " " + run.getString("title")))
        .append("</title><style>body{font-family:sans-serif;margin:2em;max-width:1200px}")
        .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;")
        .append("padding:4px 8px;text-align:right}th{background:#f4f4f4}td:first-child{")
        .append("text-align:left}.ok{color:#2ca02c}.bad{color:#d62728}svg{margin:0.5em;")
        .append("border:1px solid #eee}pre{background:#f8f8f8;padding:1em;overflow:auto}")
        .append("</style></head><body>");
    h.append("<h1>")
        .append(esc(run.getString("scenario")))
        .append(": ")
        .append(esc(run.getString("title")))
        .append("</h1><p>scale <b>")
        .append(esc(run.getString("scale")))
        .append("</b>, started ")
        .append(esc(run.getString("startedAt")))
        .append("<br>command: <code>")
        .append(esc(run.getString("command")))
        .append("</code><br>machine: <code>")
        .append(esc(run.getJsonObject("machine").encode()))
        .append("</code></p>");

    if (calibration != null) {
      boolean ok = calibration.getBoolean("ok", false);
      h.append("<p class=\"")
          .append(ok ? "ok" : "bad")
          .append("\">calibration: ")
          .append(esc(calibration.getString("meaning", calibration.getString("failed", "?"))))
          .append(ok ? " (ok)" : " (NOT ok: the numbers may be limited by the harness)")
          .append("</p>");
    }

    h.append("<h2>Side by side</h2>").append(table(all));

    // Stepped scenarios (S2): curves per target.
    Map<String, List<double[]>> tput = new LinkedHashMap<>();
    Map<String, List<double[]>> p99 = new LinkedHashMap<>();
    Map<String, List<double[]>> perCpu = new LinkedHashMap<>();
    String xLabel = "step";
    for (JsonObject t : all) {
      JsonArray steps = t.getJsonArray("steps");
      if (steps == null || steps.size() < 2) {
        continue;
      }
      String name = t.getString("target");
      for (Object o : steps) {
        JsonObject step = (JsonObject) o;
        JsonObject s = step.getJsonObject("summary");
        double x = step.getDouble("x");
        xLabel = step.getString("xLabel", xLabel);
        tput.computeIfAbsent(name, k -> new ArrayList<>())
            .add(new double[] {x, num(s, "throughput")});
        p99.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {x, num(s, "p99Ms")});
        perCpu
            .computeIfAbsent(name, k -> new ArrayList<>())
            .add(new double[] {x, num(s, "perServerCpuSecond")});
      }
    }
    if (!tput.isEmpty()) {
      h.append("<h2>Against the offered rate</h2>")
          .append(line("deliveries/s", xLabel, tput))
          .append(line("p99 latency (ms)", xLabel, p99))
          .append(line("deliveries per server CPU-second", xLabel, perCpu));
    }

    // Repeated runs (--repeat N): the spread behind the median run shown above.
    StringBuilder spread = new StringBuilder();
    for (JsonObject t : targets) {
      JsonObject sp = t.getJsonObject("spread");
      if (sp == null) {
        continue;
      }
      spread
          .append("<tr><td>")
          .append(esc(t.getString("target")))
          .append("</td><td>")
          .append(sp.getInteger("runs"))
          .append("</td><td>")
          .append(minMedianMax(sp.getJsonObject("throughput")))
          .append("</td><td>")
          .append(minMedianMax(sp.getJsonObject("p99Ms")))
          .append("</td></tr>");
    }
    if (spread.length() > 0) {
      h.append("<h2>Repeated runs (the median run is shown above)</h2><table><tr><th>target</th>")
          .append("<th>runs</th><th>throughput min / median / max</th>")
          .append("<th>p99 ms min / median / max</th></tr>")
          .append(spread)
          .append("</table>");
    }

    // Cluster sizes (S6).
    for (JsonObject t : targets) {
      JsonArray clusters = t.getJsonArray("clusters");
      if (clusters == null) {
        continue;
      }
      Map<String, Double> d = new LinkedHashMap<>();
      Map<String, Double> l = new LinkedHashMap<>();
      for (Object o : clusters) {
        JsonObject c = (JsonObject) o;
        String label = c.getInteger("nodes") + " node(s)";
        d.put(label, num(c.getJsonObject("summary"), "throughput"));
        l.put(label, num(c.getJsonObject("summary"), "p99Ms"));
      }
      h.append("<h2>By cluster size</h2>")
          .append(bars("deliveries/s", d))
          .append(bars("p99 latency (ms)", l));
      h.append("<p>cluster detail:</p>").append(clusterTable(clusters));
    }

    h.append("<h2>Per target</h2>");
    h.append(bars("headline throughput", metric(all, "throughput")))
        .append(bars("p99 latency (ms)", metric(all, "p99Ms")))
        .append(bars("per server CPU-second", metric(all, "perServerCpuSecond")))
        .append(bars("server RSS (MiB)", metric(all, "serverRssMiB")));
    if (all.stream()
        .map(t -> t.getJsonObject("summary"))
        .anyMatch(s -> s != null && s.containsKey("rssPerConnectionKiB"))) {
      h.append(bars("server memory per connection (KiB)", metric(all, "rssPerConnectionKiB")));
      Map<String, Double> heap = metric(all, "liveHeapPerConnectionKiB");
      if (!heap.isEmpty()) {
        h.append(bars("live heap per connection after a full GC (KiB, JVMs only)", heap));
      }
    }

    Map<String, List<double[]>> rate = new LinkedHashMap<>();
    Map<String, List<double[]>> rss = new LinkedHashMap<>();
    for (JsonObject t : all) {
      JsonArray series = t.getJsonArray("series");
      if (series == null) {
        continue;
      }
      for (Object o : series) {
        JsonObject p = (JsonObject) o;
        rate.computeIfAbsent(t.getString("target"), k -> new ArrayList<>())
            .add(new double[] {p.getDouble("t"), p.getDouble("deliveriesPerSec")});
        rss.computeIfAbsent(t.getString("target"), k -> new ArrayList<>())
            .add(new double[] {p.getDouble("t"), p.getDouble("serverRssMiB")});
      }
    }
    if (!rate.isEmpty()) {
      h.append("<h2>Over time</h2>")
          .append(line("deliveries/s (per second)", "seconds since target start", rate))
          .append(line("server RSS (MiB)", "seconds since target start", rss));
    }
    h.append("<h2>Raw results</h2><details><summary>JSON</summary><pre>")
        .append(esc(run.encodePrettily()))
        .append("</pre></details></body></html>\n");
    return h.toString();
  }

  private static String minMedianMax(JsonObject range) {
    return range.getValue("min") + " / " + range.getValue("median") + " / " + range.getValue("max");
  }

  private static Map<String, Double> metric(List<JsonObject> targets, String field) {
    Map<String, Double> m = new LinkedHashMap<>();
    for (JsonObject t : targets) {
      JsonObject s = t.getJsonObject("summary");
      if (s != null && s.getValue(field) instanceof Number n) {
        m.put(t.getString("target"), n.doubleValue());
      }
    }
    return m;
  }

  private static String table(List<JsonObject> targets) {
    List<String> columns = new ArrayList<>();
    for (JsonObject t : targets) {
      JsonObject s = t.getJsonObject("summary");
      if (s != null) {
        for (String k : s.fieldNames()) {
          if (!columns.contains(k)) {
            columns.add(k);
          }
        }
      }
    }
    StringBuilder h = new StringBuilder("<table><tr><th>target</th>");
    columns.forEach(c -> h.append("<th>").append(esc(c)).append("</th>"));
    h.append("</tr>");
    for (JsonObject t : targets) {
      h.append("<tr><td>").append(esc(t.getString("target"))).append("</td>");
      JsonObject s = t.getJsonObject("summary");
      if (s == null) {
        h.append("<td colspan=\"")
            .append(Math.max(1, columns.size()))
            .append("\">")
            .append(esc(String.valueOf(t.getValue("failed", t.getValue("skipped", "no result")))))
            .append("</td>");
      } else {
        for (String c : columns) {
          h.append("<td>").append(esc(String.valueOf(s.getValue(c, "")))).append("</td>");
        }
      }
      h.append("</tr>");
    }
    return h.append("</table>").toString();
  }

  private static String clusterTable(JsonArray clusters) {
    List<JsonObject> rows = new ArrayList<>();
    for (Object o : clusters) {
      JsonObject c = (JsonObject) o;
      rows.add(c.getJsonObject("summary").copy().put("target", c.getInteger("nodes") + " node(s)"));
    }
    List<JsonObject> wrapped = new ArrayList<>();
    for (JsonObject r : rows) {
      wrapped.add(new JsonObject().put("target", r.getString("target")).put("summary", r));
    }
    return table(wrapped);
  }

  private static String line(String title, String xLabel, Map<String, List<double[]>> series) {
    double maxX = 0;
    double maxY = 0;
    double minX = Double.MAX_VALUE;
    for (List<double[]> pts : series.values()) {
      for (double[] p : pts) {
        maxX = Math.max(maxX, p[0]);
        minX = Math.min(minX, p[0]);
        maxY = Math.max(maxY, p[1]);
      }
    }
    if (minX == Double.MAX_VALUE) {
      return "";
    }
    double spanX = Math.max(maxX - minX, 1e-9);
    double topY = niceCeil(maxY);
    StringBuilder s = frame(title, xLabel, fmt(minX), fmt(maxX), topY);
    int i = 0;
    for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
      String color = COLORS[i % COLORS.length];
      StringBuilder path = new StringBuilder();
      for (double[] p : e.getValue()) {
        double x = PAD_L + (p[0] - minX) / spanX * (W - PAD_L - PAD_R);
        double y = H - PAD_B - p[1] / topY * (H - PAD_B - PAD_T);
        path.append(path.length() == 0 ? "M" : "L").append(fmt(x)).append(',').append(fmt(y));
        s.append(
            String.format(
                Locale.ROOT,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>",
                x,
                y,
                color));
      }
      s.append("<path d=\"")
          .append(path)
          .append("\" fill=\"none\" stroke=\"")
          .append(color)
          .append("\" stroke-width=\"2\"/>");
      legend(s, i, e.getKey(), color);
      i++;
    }
    return s.append("</svg>").toString();
  }

  private static String bars(String title, Map<String, Double> values) {
    if (values.isEmpty()) {
      return "";
    }
    double top =
        niceCeil(values.values().stream().mapToDouble(Double::doubleValue).max().orElse(1));
    StringBuilder s = frame(title, "", "", "", top);
    int n = values.size();
    double slot = (W - PAD_L - PAD_R) / (double) n;
    int i = 0;
    for (Map.Entry<String, Double> e : values.entrySet()) {
      double height = e.getValue() / top * (H - PAD_B - PAD_T);
      double x = PAD_L + i * slot + slot * 0.15;
      s.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>"
                  + "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>"
                  + "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%s</text>",
              x,
              H - PAD_B - height,
              slot * 0.7,
              height,
              COLORS[i % COLORS.length],
              x + slot * 0.35,
              H - PAD_B + 15,
              esc(e.getKey()),
              x + slot * 0.35,
              H - PAD_B - height - 4,
              fmt(e.getValue())));
      i++;
    }
    return s.append("</svg>").toString();
  }

  private static StringBuilder frame(
      String title, String xLabel, String x0, String x1, double topY) {
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\">"
                + "<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"bold\">%s</text>"
                + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>"
                + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>",
            W,
            H,
            PAD_L,
            esc(title),
            PAD_L,
            H - PAD_B,
            W - PAD_R,
            H - PAD_B,
            PAD_L,
            PAD_T,
            PAD_L,
            H - PAD_B));
    for (int k = 0; k <= 4; k++) {
      double v = topY * k / 4;
      double y = H - PAD_B - (H - PAD_B - PAD_T) * k / 4.0;
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\">%s</text>"
                  + "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>",
              PAD_L - 4,
              y + 3,
              fmt(v),
              PAD_L + 1,
              y,
              W - PAD_R,
              y));
    }
    if (!xLabel.isEmpty()) {
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" font-size=\"10\">%s</text>"
                  + "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"end\">%s</text>"
                  + "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>",
              PAD_L,
              H - PAD_B + 14,
              x0,
              W - PAD_R,
              H - PAD_B + 14,
              x1,
              (PAD_L + W - PAD_R) / 2,
              H - 12,
              esc(xLabel)));
    }
    return s;
  }

  private static void legend(StringBuilder s, int i, String name, String color) {
    s.append(
        String.format(
            Locale.ROOT,
            "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                + "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>",
            W - PAD_R + 10,
            PAD_T + i * 16,
            color,
            W - PAD_R + 24,
            PAD_T + i * 16 + 9,
            esc(name)));
  }

  private static double niceCeil(double v) {
    if (v <= 0) {
      return 1;
    }
    double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
    for (double step : new double[] {1, 2, 2.5, 5, 10}) {
      if (step * magnitude >= v) {
        return step * magnitude;
      }
    }
    return 10 * magnitude;
  }

  private static double num(JsonObject o, String field) {
    return o != null && o.getValue(field) instanceof Number n ? n.doubleValue() : 0;
  }

  private static String fmt(double v) {
    if (Math.abs(v) >= 100 || v == Math.rint(v)) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static String esc(String s) {
    return s == null
        ? ""
        : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
