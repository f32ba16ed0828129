package io.stateserver.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Starts and stops the systems under test as child processes on free loopback ports, each with its
 * output in a log file in the run's work folder. Every pid is also appended to {@code
 * BENCH_PIDFILE} so that {@code run.sh} can clean up even if this JVM dies.
 */
public final class Systems implements AutoCloseable {
  public static final String HOST = "127.0.0.1";

  /** One running process of a system under test. */
  public record Node(String name, Process process, int port) {
    public long pid() {
      return process.pid();
    }
  }

  private static final int LOWEST_PORT = 20_000;
  private static final int HIGHEST_PORT = 32_000;
  private static final Set<Integer> GIVEN_PORTS = ConcurrentHashMap.newKeySet();

  private static final int LOG_TAIL_LINES = 40;

  private final Options options;
  private final Path work;
  private final List<Process> started = new ArrayList<>();

  public Systems(Options options, Path work) {
    this.options = options;
    this.work = work;
    Runtime.getRuntime().addShutdownHook(new Thread(this::close, "bench-cleanup"));
  }

  /**
   * A loopback port that is free now and that this run has not handed out before, for a system that
   * must be told its port up front (and, for cluster members, its peers' ports).
   *
   * <p>It comes from below the kernel's ephemeral range (32768 and up on Linux), not from binding
   * port 0. Every outgoing connection takes its local port from that range (a node's database pool,
   * a Hazelcast member dialling a peer that is still starting, the harness's own clients), so a
   * port the kernel handed out as free could be taken by the time the child process binds it, and
   * that node would fail to start. The server's tests pick their ports the same way ({@code
   * FreePorts}).
   */
  public static int freePort() {
    for (int attempt = 0; attempt < 1_000; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(LOWEST_PORT, HIGHEST_PORT);
      if (!GIVEN_PORTS.contains(port) && bindable(port) && GIVEN_PORTS.add(port)) {
        return port;
      }
    }
    throw new UncheckedIOException(
        new IOException("no free port in " + LOWEST_PORT + "-" + HIGHEST_PORT));
  }

  /** On every address: Hazelcast and the H2 server bind the wildcard address, not loopback. */
  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** One node of this server; {@code env} adds to (and overrides) the benchmark defaults. */
  public Node stateServer(String name, Map<String, String> env) {
    int port = freePort();
    Path data = dir(name + "-data");
    List<String> cmd = new ArrayList<>();
    cmd.add("java");
    cmd.addAll(options.serverJvmArgs());
    cmd.addAll(List.of("-jar", options.serverJar().toString(), "--http.host=" + HOST));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(options.root().toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("STATE_"));
    pb.environment().put("STATE_HTTP_PORT", Integer.toString(port));
    pb.environment().put("STATE_DATA_DIR", data.toString());
    pb.environment().put("STATE_JWT_SECRET", options.jwtSecret());
    pb.environment().put("STATE_NODE_ID", name);
    // Benchmark clients publish and write far above a device's default budget.
    pb.environment().put("STATE_RATE_MESSAGES_PER_S", "1000000");
    pb.environment().put("STATE_RATE_BURST", "1000000");
    pb.environment().put("STATE_RATE_BYTES_PER_S", "1000000000");
    // Every benchmark client connects from loopback: lift the per-address connection and upgrade
    // limits that protect a real deployment from one abusive address.
    pb.environment().put("STATE_MAX_CONNECTIONS_PER_ADDRESS", "1000000");
    pb.environment().put("STATE_UPGRADES_PER_ADDRESS_PER_MIN", "100000000");
    pb.environment().put("STATE_UPGRADES_PER_ADDRESS_BURST", "1000000");
    pb.environment().putAll(env);
    pb.environment().putAll(options.serverEnv());
    Node node = new Node(name, launch(name, pb), port);
    awaitHttp(node, "/health/ready", 180);
    return node;
  }

  public Node mosquitto(String name) {
    int port = freePort();
    Path conf =
        write(
            name + ".conf",
            String.join(
                "\n",
                // Mosquitto 2.0.11 exits with "Unable to start any listening sockets" when its
                // only listener is a WebSocket one, so it also gets an unused plain MQTT one.
                "listener " + freePort() + " " + HOST,
                "listener " + port + " " + HOST,
                "socket_domain ipv4",
                "protocol websockets",
                "allow_anonymous true",
                "persistence false",
                "max_connections -1",
                "max_queued_messages 1000",
                "log_dest stderr",
                "log_type error",
                "log_type warning",
                ""));
    Node node =
        new Node(
            name,
            launch(name, new ProcessBuilder(options.mosquitto(), "-c", conf.toString())),
            port);
    awaitTcp(node, 30);
    return node;
  }

  public Node nats(String name) {
    int port = freePort();
    int clientPort = freePort();
    Path conf =
        write(
            name + ".conf",
            String.join(
                "\n",
                "listen: \"" + HOST + ":" + clientPort + "\"",
                "max_connections: 1000000",
                "websocket {",
                "  host: \"" + HOST + "\"",
                "  port: " + port,
                "  no_tls: true",
                "  compression: false",
                "}",
                ""));
    Node node =
        new Node(
            name, launch(name, new ProcessBuilder(options.nats(), "-c", conf.toString())), port);
    awaitTcp(node, 30);
    return node;
  }

  /** The harness's own trivial fan-out server (calibration), in its own JVM like the others. */
  public Node calibServer(String name) {
    int port = freePort();
    ProcessBuilder pb =
        new ProcessBuilder(
            "java",
            "-Xmx1g",
            "-cp",
            options.benchJar().toString(),
            CalibServer.class.getName(),
            HOST,
            Integer.toString(port));
    Node node = new Node(name, launch(name, pb), port);
    awaitTcp(node, 60);
    return node;
  }

  /** An H2 TCP server that several nodes share; returns its JDBC URL. */
  public String h2TcpServer(String name) {
    int port = freePort();
    Path base = dir(name);
    ProcessBuilder pb =
        new ProcessBuilder(
            "java",
            "-cp",
            options.serverJar().toString(),
            "org.h2.tools.Server",
            "-tcp",
            "-tcpPort",
            Integer.toString(port),
            "-ifNotExists",
            "-baseDir",
            base.toString());
    Node node = new Node(name, launch(name, pb), port);
    awaitTcp(node, 60);
    return "jdbc:h2:tcp://" + HOST + ":" + port + "/state;LOCK_TIMEOUT=10000";
  }

  /** A fresh database {@code statebench} on the local PostgreSQL; returns its JDBC URL. */
  public String freshPostgres() {
    for (String sql :
        List.of("DROP DATABASE IF EXISTS statebench WITH (FORCE)", "CREATE DATABASE statebench")) {
      run(List.of("psql", "-h", HOST, "-U", "postgres", "-d", "postgres", "-q", "-c", sql));
    }
    return "jdbc:postgresql://" + HOST + ":5432/statebench?user=postgres";
  }

  private void run(List<String> cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private Process launch(String name, ProcessBuilder pb) {
    Path log = work.resolve(name + ".log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    try {
      Process p = pb.start();
      synchronized (started) {
        started.add(p);
      }
      String pidFile = System.getenv("BENCH_PIDFILE");
      if (pidFile != null) {
        Files.writeString(
            Path.of(pidFile), p.pid() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      }
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + " (" + pb.command() + ")", e);
    }
  }

  private void awaitTcp(Node node, int seconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      checkAlive(node);
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(HOST, node.port()), 500);
        return;
      } catch (IOException e) {
        pause(100);
      }
    }
    throw new IllegalStateException(node.name() + " did not open port " + node.port());
  }

  private void awaitHttp(Node node, String path, int seconds) {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    URI uri = URI.create("http://" + HOST + ":" + node.port() + path);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      checkAlive(node);
      try {
        HttpResponse<Void> r =
            http.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      pause(200);
    }
    throw new IllegalStateException(node.name() + " not ready at " + uri);
  }

  private void checkAlive(Node node) {
    if (!node.process().isAlive()) {
      Path log = work.resolve(node.name() + ".log");
      throw new IllegalStateException(
          node.name()
              + " exited with "
              + node.process().exitValue()
              + "; see "
              + log
              + ", which ends:\n"
              + tail(log, LOG_TAIL_LINES));
    }
  }

  /**
   * The last lines of a log, so that a failure report carries its cause even where the work folder
   * is gone by the time anyone reads it (a CI run).
   */
  private static String tail(Path log, int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }

  /** Stops one process: SIGTERM, then SIGKILL after 15 s. */
  public void stop(Node node) {
    stop(node.process());
  }

  private static void stop(Process p) {
    if (!p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    List<Process> all;
    synchronized (started) {
      all = new ArrayList<>(started);
      started.clear();
    }
    for (int i = all.size() - 1; i >= 0; i--) {
      stop(all.get(i));
    }
  }

  private Path dir(String name) {
    try {
      return Files.createDirectories(work.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path write(String name, String content) {
    try {
      return Files.writeString(work.resolve(name), content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
