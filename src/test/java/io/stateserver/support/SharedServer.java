package io.stateserver.support;

import io.stateserver.app.StateServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link TestServer} for a whole test class, started before its first test and closed after its
 * last. Register it as {@code @RegisterExtension static final SharedServer server = new
 * SharedServer(flags...)}; it answers the questions tests ask of the server.
 */
public final class SharedServer implements BeforeAllCallback, AfterAllCallback {
  private final String[] flags;
  private TestServer server;

  /** {@code flags} are extra {@code --setting=value} flags, as for {@link TestServer#start}. */
  public SharedServer(String... flags) {
    this.flags = flags.clone();
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    server = TestServer.start(flags);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  public TestServer get() {
    if (server == null) {
      throw new IllegalStateException("the shared server runs only while its test class does");
    }
    return server;
  }

  public int port() {
    return get().port();
  }

  public StateServer server() {
    return get().server();
  }

  public String token(String sub, String... roles) {
    return get().token(sub, roles);
  }

  public String token(String sub, long lifetimeSeconds, String... roles) {
    return get().token(sub, lifetimeSeconds, roles);
  }

  public String adminToken() {
    return get().adminToken();
  }
}
