package io.stateserver.bench;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command line: {@code SCENARIO [--scale smoke|moderate|full] [--targets state,mosquitto,nats]
 * [--name value ...]}. Scenario parameters default by scale and can each be overridden by name.
 */
public final class Options {
  public enum Scale {
    SMOKE,
    MODERATE,
    FULL
  }

  private final String scenario;
  private final Map<String, String> values = new LinkedHashMap<>();
  private final Map<String, String> serverEnv = new LinkedHashMap<>();
  private final String jwtSecret;

  private Options(String scenario) {
    this.scenario = scenario;
    byte[] random = new byte[36];
    new SecureRandom().nextBytes(random);
    this.jwtSecret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  public static Options parse(String[] args) {
    if (args.length == 0 || args[0].startsWith("--")) {
      throw new IllegalArgumentException("first argument must be the scenario (S1..S6)");
    }
    Options o = new Options(args[0].toUpperCase());
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + arg);
      }
      String name = arg.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        value = args[++i];
      } else {
        value = "true";
      }
      if (name.equals("server-env")) {
        int at = value.indexOf('=');
        o.serverEnv.put(value.substring(0, at), value.substring(at + 1));
      } else {
        o.values.put(name, value);
      }
    }
    return o;
  }

  public String scenario() {
    return scenario;
  }

  public Scale scale() {
    return Scale.valueOf(string("scale", "moderate").toUpperCase());
  }

  /** The value for the current scale. */
  public <T> T byScale(T smoke, T moderate, T full) {
    return switch (scale()) {
      case SMOKE -> smoke;
      case MODERATE -> moderate;
      case FULL -> full;
    };
  }

  public int integer(String name, int smoke, int moderate, int full) {
    return Integer.parseInt(string(name, Integer.toString(byScale(smoke, moderate, full))));
  }

  public double number(String name, double smoke, double moderate, double full) {
    return Double.parseDouble(string(name, Double.toString(byScale(smoke, moderate, full))));
  }

  public List<Double> numbers(String name, String smoke, String moderate, String full) {
    return Arrays.stream(string(name, byScale(smoke, moderate, full)).split(","))
        .map(String::trim)
        .map(Double::parseDouble)
        .toList();
  }

  public String string(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  public boolean flag(String name) {
    return Boolean.parseBoolean(values.getOrDefault(name, "false"));
  }

  public List<String> targets(String fallback) {
    return Arrays.stream(string("targets", fallback).split(","))
        .map(String::trim)
        .filter(s -> !s.isEmpty())
        .toList();
  }

  public Path root() {
    return Path.of(string("root", "..")).toAbsolutePath().normalize();
  }

  public Path serverJar() {
    return Path.of(string("server-jar", root().resolve("target/state-server.jar").toString()));
  }

  public Path benchJar() {
    return Path.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator)[0])
        .toAbsolutePath();
  }

  public Path resultsDir() {
    // Absolute: the systems under test run with the repository root as working directory.
    return Path.of(string("results", root().resolve("benchmarks/results").toString()))
        .toAbsolutePath()
        .normalize();
  }

  public String mosquitto() {
    return string("mosquitto", "/usr/sbin/mosquitto");
  }

  public String nats() {
    return string("nats-server", "/usr/sbin/nats-server");
  }

  public String jwtSecret() {
    return jwtSecret;
  }

  public List<String> serverJvmArgs() {
    return new ArrayList<>(Arrays.asList(string("server-jvm", "-Xmx2g").trim().split("\\s+")));
  }

  public Map<String, String> serverEnv() {
    return serverEnv;
  }

  /** Everything given on the command line, for the results file. */
  public Map<String, String> given() {
    Map<String, String> all = new LinkedHashMap<>(values);
    serverEnv.forEach((k, v) -> all.put("server-env " + k, v));
    return all;
  }
}
