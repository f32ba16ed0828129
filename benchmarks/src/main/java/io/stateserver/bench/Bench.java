package io.stateserver.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Entry point: {@code java -jar state-bench.jar SCENARIO [--scale smoke|moderate|full] [options]}.
 * Runs the scenario against every target, then once more against the calibration server at twice
 * the load, and writes {@code results/<scenario>-<time>.json} and {@code .html}.
 */
public final class Bench {
  static final Map<String, Scenario> SCENARIOS =
      Map.of(
          "S1", new IdleScenario(),
          "S2", new HotKeyScenario(),
          "S3", new FleetScenario(false),
          "S4", new FleetScenario(true),
          "S5", new WritesScenario(),
          "S6", new ClusterScenario());

  /**
   * A started system under test and the adapter that speaks to it: clients connect to {@code node};
   * {@code pids} are every process whose CPU and memory count (all nodes of a cluster).
   */
  record Target(String name, Wire wire, Systems.Node node, List<Long> pids) {}

  /** What a scenario gets to work with. */
  static final class Ctx {
    final Options options;
    final Harness harness;
    final Systems systems;

    Ctx(Options options, Harness harness, Systems systems) {
      this.options = options;
      this.harness = harness;
      this.systems = systems;
    }

    Wire wire(String target) {
      return switch (target) {
        case "state", "calib" -> new StateWire(options.jwtSecret());
        case "mosquitto" -> new MqttWire();
        case "nats" -> new NatsWire();
        default -> throw new IllegalArgumentException("unknown target " + target);
      };
    }

    Target start(String target, Map<String, String> stateEnv) {
      Systems.Node node =
          switch (target) {
            case "state" -> systems.stateServer("state", stateEnv);
            case "calib" -> systems.calibServer("calib");
            case "mosquitto" -> systems.mosquitto("mosquitto");
            case "nats" -> systems.nats("nats");
            default -> throw new IllegalArgumentException("unknown target " + target);
          };
      // Let the freshly started process settle (JIT of the start path, GC) before measuring.
      sleep(1);
      return new Target(target, wire(target), node, List.of(node.pid()));
    }

    void stop(Target t) {
      systems.stop(t.node());
    }

    void sleep(double seconds) {
      Systems.pause((long) (seconds * 1000));
    }
  }

  private Bench() {}

  public static void main(String[] args) {
    int code;
    try {
      code = run(Options.parse(args));
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      System.err.println(
          "usage: run.sh S1|S2|S3|S4|S5|S6 [--scale smoke|moderate|full]"
              + " [--targets state,mosquitto,nats] [--no-calibration] [--repeat N]"
              + " [--name value ...]");
      code = 2;
    }
    System.exit(code);
  }

  static int run(Options options) {
    Scenario scenario = SCENARIOS.get(options.scenario());
    if (scenario == null) {
      throw new IllegalArgumentException("unknown scenario " + options.scenario());
    }
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    String name = scenario.id() + "-" + stamp;
    Path results = options.resultsDir();
    Path work = results.resolve(name + ".work");
    JsonObject out =
        new JsonObject()
            .put("scenario", scenario.id())
            .put("title", scenario.title())
            .put("scale", options.scale().name().toLowerCase())
            .put("startedAt", java.time.Instant.now().toString())
            .put("command", "benchmarks/run.sh " + String.join(" ", argsOf(options)))
            .put("machine", Machine.describe());
    JsonArray targets = new JsonArray();
    out.put("targets", targets);
    int failures = 0;
    try {
      Files.createDirectories(work);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    int threads =
        Integer.parseInt(
            options.string(
                "harness-threads", Integer.toString(Runtime.getRuntime().availableProcessors())));
    try (Harness harness = new Harness(threads);
        Systems systems = new Systems(options, work)) {
      Ctx ctx = new Ctx(options, harness, systems);
      List<String> names = new ArrayList<>(options.targets(scenario.defaultTargets()));
      // --repeat N: N runs per target; the median run is reported, with the spread.
      int repeat = Math.max(1, Integer.parseInt(options.string("repeat", "1")));
      for (String target : names) {
        List<JsonObject> runs = new ArrayList<>();
        try {
          for (int r = 1; r <= repeat; r++) {
            System.err.printf(
                "== %s %s against %s%s%n",
                scenario.id(),
                options.scale(),
                target,
                repeat > 1 ? " (run " + r + " of " + repeat + ")" : "");
            try {
              runs.add(scenario.run(ctx, target, 1.0));
            } finally {
              systems.close();
            }
          }
          targets.add(Repeats.combine(runs).put("target", target));
        } catch (RuntimeException e) {
          failures++;
          System.err.printf("%n%s against %s failed: %s%n", scenario.id(), target, e);
          targets.add(new JsonObject().put("target", target).put("failed", e.toString()));
        }
      }
      if (!options.flag("no-calibration")) {
        System.err.printf("== %s calibration: trivial fan-out server, 2x load%n", scenario.id());
        try {
          JsonObject calib = scenario.run(ctx, "calib", 2.0).put("target", "calib");
          out.put("calibration", Calibration.judge(calib, targets));
        } catch (RuntimeException e) {
          failures++;
          System.err.printf("%ncalibration failed: %s%n", e);
          out.put("calibration", new JsonObject().put("failed", e.toString()));
        } finally {
          systems.close();
        }
      }
    }
    out.put("finishedAt", java.time.Instant.now().toString());
    try {
      Path json = results.resolve(name + ".json");
      Files.writeString(json, out.encodePrettily());
      Path html = results.resolve(name + ".html");
      Files.writeString(html, Report.html(out));
      System.err.printf("results: %s%nreport:  %s%nlogs:    %s%n", json, html, work);
      System.out.println(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return failures == 0 ? 0 : 1;
  }

  private static List<String> argsOf(Options options) {
    List<String> args = new ArrayList<>();
    args.add(options.scenario());
    options
        .given()
        .forEach(
            (k, v) -> {
              if (k.equals("root")) {
                return;
              }
              args.add(v.equals("true") ? "--" + k : "--" + k + " " + v);
            });
    return args;
  }
}
