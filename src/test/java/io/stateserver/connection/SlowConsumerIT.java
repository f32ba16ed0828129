package io.stateserver.connection;

import io.stateserver.support.SharedServer;
import io.stateserver.support.TestServer;
import io.vertx.core.http.WebSocketClientOptions;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link SlowConsumerScenario} over plain WebSocket. */
class SlowConsumerIT extends SlowConsumerScenario {

  @RegisterExtension static final SharedServer server = new SharedServer(UNLIMITED_RATES);

  @Override
  TestServer server() {
    return server.get();
  }

  @Override
  WebSocketClientOptions clientOptions() {
    return new WebSocketClientOptions();
  }
}
