package io.stateserver.support;

import io.stateserver.app.StateServer;
import io.stateserver.config.ConfigLoader;
import io.stateserver.config.ServerConfig;
import io.stateserver.security.TokenIssuer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real server node started in the test JVM on a free port, with its own data folder (embedded H2)
 * unless a database URL is given, and a token issuer using the node's secret.
 */
public final class TestServer implements AutoCloseable {
  private final StateServer server;
  private final TokenIssuer issuer;

  private TestServer(StateServer server) {
    this.server = server;
    this.issuer = new TokenIssuer(server.vertx(), server.config().jwt());
  }

  /** Starts a node; {@code flags} are extra {@code --setting=value} flags. */
  public static TestServer start(String... flags) throws Exception {
    Path dataDir = Files.createTempDirectory("state-server-test");
    return start(dataDir, flags);
  }

  public static TestServer start(Path dataDir, String... flags) throws Exception {
    List<String> args = new ArrayList<>();
    args.add("--http.port=0");
    args.add("--http.host=127.0.0.1");
    args.add("--http.instances=2");
    args.add("--dataDir=" + dataDir);
    args.addAll(List.of(flags));
    Map<String, String> env = new HashMap<>();
    ServerConfig config = ConfigLoader.load(args.toArray(String[]::new), env);
    StateServer server =
        StateServer.start(config)
            .toCompletionStage()
            .toCompletableFuture()
            .get(60, TimeUnit.SECONDS);
    return new TestServer(server);
  }

  public int port() {
    return server.port();
  }

  public StateServer server() {
    return server;
  }

  public String token(String sub, String... roles) {
    return issuer.issue(sub, List.of(roles), 3600);
  }

  public String token(String sub, long lifetimeSeconds, String... roles) {
    return issuer.issue(sub, List.of(roles), lifetimeSeconds);
  }

  public String adminToken() {
    return token("admin-1", "admin");
  }

  @Override
  public void close() throws Exception {
    server.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
