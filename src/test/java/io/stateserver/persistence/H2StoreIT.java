package io.stateserver.persistence;

import io.stateserver.config.ServerConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on embedded H2 (a file database in a temporary folder). */
class H2StoreIT extends AbstractStoreIT {
  @TempDir Path tmp;

  @Override
  ServerConfig.Db freshDatabase() throws Exception {
    return TestDatabases.freshH2(tmp);
  }
}
