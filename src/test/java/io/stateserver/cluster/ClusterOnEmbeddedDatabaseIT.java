package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.FreePorts;
import io.stateserver.support.ServerProcess;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A clustered node needs a database every node can reach; the embedded H2 is not one. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterOnEmbeddedDatabaseIT {

  @Test
  void clusteredNodeOnTheDefaultEmbeddedDatabaseRefusesToStart() throws Exception {
    try (ServerProcess server =
        ServerProcess.launch(
            "cluster-embedded",
            Map.of(
                "STATE_CLUSTER",
                "true",
                "STATE_CLUSTER_PORT",
                Integer.toString(FreePorts.find())))) {
      int exitCode = server.waitFor(Duration.ofSeconds(45));

      assertThat(exitCode).isNotZero();
      assertThat(Files.readString(server.logFile()))
          .contains("configuration error")
          .contains("STATE_DB_URL")
          // fails before joining: it never formed or joined a cluster
          .doesNotContain("Members {");
    }
  }
}
