package io.stateserver.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The server's fat jar running as a separate JVM, for cluster and crash tests.
 *
 * <p>The jar comes from the system property {@value #JAR_PROPERTY} (failsafe sets it to {@code
 * target/state-server.jar}). The child inherits this JVM's environment minus every {@code STATE_*}
 * variable, plus the given ones; {@code STATE_HTTP_PORT} defaults to a free port and {@code
 * STATE_DATA_DIR} to a fresh folder under {@code target/server-data/}. Its output goes to a log
 * file under {@code target/server-logs/}. The child JVM runs with {@link #DEFAULT_JVM_OPTIONS} (a
 * small heap and quick start-up, since several nodes share a small test machine) unless other
 * options are given.
 */
public final class ServerProcess implements AutoCloseable {

  public static final String JAR_PROPERTY = "stateserver.jar";
  public static final Duration DEFAULT_READY_TIMEOUT = Duration.ofSeconds(60);

  /** JVM options of a child unless the caller gives its own: small heap, fast start-up. */
  public static final List<String> DEFAULT_JVM_OPTIONS =
      List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

  private static final Path TARGET = Path.of("target");

  /**
   * Every child started, killed when the test JVM exits however a test ended: a frozen child
   * ({@link #freeze()}) would otherwise outlive it, since SIGTERM does not end a stopped process.
   */
  private static final Set<Process> CHILDREN = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> CHILDREN.forEach(Process::destroyForcibly), "server-process-reaper"));
  }

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final Process process;
  private final int port;
  private final Path logFile;

  private ServerProcess(String name, Process process, int port, Path logFile) {
    this.name = name;
    this.process = process;
    this.port = port;
    this.logFile = logFile;
  }

  /** Starts a server named {@code name} (used in file names) and waits until it is ready. */
  public static ServerProcess start(String name, Map<String, String> env) {
    return start(name, env, DEFAULT_READY_TIMEOUT);
  }

  /**
   * Starts a server and waits up to {@code readyTimeout} for {@code GET /health/ready} to answer
   * 200. Fails (and kills the child) when it exits or does not get ready in time.
   */
  public static ServerProcess start(String name, Map<String, String> env, Duration readyTimeout) {
    ServerProcess server = launch(name, env);
    try {
      server.awaitReady(readyTimeout);
      return server;
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
  }

  /** Starts a server without waiting for readiness (for tests of start-up failures). */
  public static ServerProcess launch(String name, Map<String, String> env) {
    return launch(name, env, DEFAULT_JVM_OPTIONS);
  }

  /** Starts a server with the given JVM options, without waiting for readiness. */
  public static ServerProcess launch(
      String name, Map<String, String> env, List<String> jvmOptions) {
    Path jar = jar();
    Map<String, String> childEnv = new HashMap<>(env);
    childEnv.putIfAbsent(
        "STATE_EVENT_LOOP_BLOCKED_WARNING_MS", Long.toString(BlockedThreads.WARNING_MS));
    int port =
        Integer.parseInt(
            childEnv.computeIfAbsent(
                "STATE_HTTP_PORT", unused -> Integer.toString(FreePorts.find())));
    try {
      if (!childEnv.containsKey("STATE_DATA_DIR")) {
        Path dataDir = Files.createDirectories(TARGET.resolve("server-data"));
        childEnv.put("STATE_DATA_DIR", Files.createTempDirectory(dataDir, name + "-").toString());
      }
      Path logDir = Files.createDirectories(TARGET.resolve("server-logs"));
      Path logFile =
          logDir.resolve(name + "-" + port + "-" + Instant.now().toEpochMilli() + ".log");
      ProcessBuilder builder =
          new ProcessBuilder(command(jvmOptions, jar))
              .redirectErrorStream(true)
              .redirectOutput(logFile.toFile());
      builder.environment().keySet().removeIf(key -> key.startsWith("STATE_"));
      builder.environment().putAll(childEnv);
      Process process = builder.start();
      CHILDREN.add(process);
      return new ServerProcess(name, process, port, logFile);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start server " + name, e);
    }
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  public Path logFile() {
    return logFile;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** {@code http://127.0.0.1:<port>} */
  public URI httpUri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** {@code ws://127.0.0.1:<port>/v1/ws} */
  public URI wsUri() {
    return URI.create("ws://127.0.0.1:" + port + "/v1/ws");
  }

  /** Polls {@code GET /health/ready} until it answers 200. */
  public void awaitReady(Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    HttpRequest ready =
        HttpRequest.newBuilder(httpUri().resolve("/health/ready"))
            .timeout(Duration.ofSeconds(2))
            .GET()
            .build();
    while (true) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "server " + name + " exited with " + process.exitValue() + " before ready" + logTail());
      }
      try {
        if (HTTP.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notListeningYet) {
        // keep polling until the deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for server " + name, e);
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(
            "server " + name + " not ready within " + timeout + logTail());
      }
      pause(Duration.ofMillis(100));
    }
  }

  /** The value of an unlabelled meter in {@code GET /metrics}, e.g. {@code state_x_total}. */
  public double meter(String name) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(httpUri().resolve("/metrics"))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return r.body()
        .lines()
        .filter(line -> line.startsWith(name + " "))
        .mapToDouble(line -> Double.parseDouble(line.substring(name.length() + 1)))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no meter " + name + " on " + this));
  }

  /** Polls {@link #meter} until it reaches {@code atLeast}; fails after {@code timeout}. */
  public void awaitMeter(String name, double atLeast, Duration timeout)
      throws IOException, InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    double value;
    while ((value = meter(name)) < atLeast) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            name + " on " + this + " is " + value + ", not " + atLeast + " within " + timeout);
      }
      pause(Duration.ofMillis(200));
    }
  }

  /**
   * SIGSTOP: every thread of the JVM stops where it is, as in a long GC pause or a suspended VM.
   * Its sockets stay open; peers only stop hearing from it. {@link #thaw()} lets it run on.
   */
  public void freeze() {
    signal("STOP");
  }

  /** SIGCONT after {@link #freeze()}: the JVM runs on, finding its clocks jumped ahead. */
  public void thaw() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " failed for " + this);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted signalling " + this, e);
    }
  }

  /** Polls the log until a line contains {@code fragment}; fails after {@code timeout}. */
  public void awaitLogLine(String fragment, Duration timeout) {
    awaitLogLine(fragment, 0, timeout);
  }

  /**
   * Polls the log until a line written after {@code mark} (a {@link #logMark()}) contains {@code
   * fragment}; fails after {@code timeout}.
   */
  public void awaitLogLine(String fragment, long mark, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (!logContains(fragment, mark)) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "no log line with \"" + fragment + "\" within " + timeout + logTail());
      }
      pause(Duration.ofMillis(200));
    }
  }

  /** Whether a line of the log so far contains {@code fragment}. */
  public boolean logContains(String fragment) {
    return logContains(fragment, 0);
  }

  /** Whether a line written after {@code mark} (a {@link #logMark()}) contains {@code fragment}. */
  public boolean logContains(String fragment, long mark) {
    return logSince(mark).contains(fragment);
  }

  /** What the log gained after {@code mark} (a {@link #logMark()}). */
  public String logSince(long mark) {
    try {
      byte[] log = Files.readAllBytes(logFile);
      int from = (int) Math.min(mark, log.length);
      return new String(log, from, log.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Where the log ends now, so that later checks see only what comes after. */
  public long logMark() {
    try {
      return Files.size(logFile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGKILL: the JVM gets no chance to clean up (a crash). */
  public void kill9() {
    // On Linux and macOS destroyForcibly sends SIGKILL.
    process.destroyForcibly();
  }

  /** SIGTERM: the server drains and exits. Use {@link #waitFor} for the exit code. */
  public void terminate() {
    process.destroy();
  }

  /** Waits for the process to exit and returns its exit code. */
  public int waitFor(Duration timeout) throws TimeoutException {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new TimeoutException("server " + name + " still running after " + timeout);
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for server " + name, e);
    }
  }

  /** The last lines of the log, for failure messages. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile);
      return "\n--- last lines of "
          + logFile
          + " ---\n"
          + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return " (log " + logFile + " unreadable: " + e.getMessage() + ")";
    }
  }

  /** Kills the process if it still runs and waits for it to go. */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    CHILDREN.remove(process);
  }

  @Override
  public String toString() {
    return "server " + name + " [pid: " + pid() + ", port: " + port + "]";
  }

  private static Path jar() {
    String property = System.getProperty(JAR_PROPERTY);
    if (property == null) {
      throw new IllegalStateException(
          "system property " + JAR_PROPERTY + " not set (failsafe sets it; run with mvn verify)");
    }
    Path jar = Path.of(property);
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("server jar " + jar + " missing; run mvn package first");
    }
    return jar;
  }

  private static List<String> command(List<String> jvmOptions, Path jar) {
    List<String> command = new ArrayList<>();
    command.add(javaCommand());
    command.addAll(jvmOptions);
    command.add("-jar");
    command.add(jar.toString());
    return command;
  }

  private static String javaCommand() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
