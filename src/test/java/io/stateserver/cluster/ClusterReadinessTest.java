package io.stateserver.cluster;

import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class ClusterReadinessTest {

  @Test
  void nodeThatIsNotClusteredIsAlwaysUsable(Vertx vertx, VertxTestContext ctx) {
    ClusterReadiness.isUsable(vertx)
        .onComplete(
            ctx.succeeding(
                usable -> ctx.verify(() -> Assertions.assertThat(usable).isTrue()).completeNow()));
  }
}
