package io.stateserver.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class BoundedHttpTagsTest {
  @Test
  void standardMethodsKeepTheirNameAndEveryOtherNameSharesOneSeries() {
    MeterRegistry registry = new SimpleMeterRegistry();
    BoundedHttpTags.apply(registry);

    for (String method : List.of("GET", "PATCH", "CONNECT", "FOO", "get", "BAR", "X".repeat(500))) {
      registry.counter("requests", "method", method).increment();
    }

    assertThat(tagValues(registry, "method"))
        .containsExactlyInAnyOrder("GET", "PATCH", "CONNECT", "other");
    assertThat(registry.get("requests").tag("method", "other").counter().count()).isEqualTo(4);
  }

  @Test
  void statusCodesKeepTheirValueAndAnythingElseIsOther() {
    MeterRegistry registry = new SimpleMeterRegistry();
    BoundedHttpTags.apply(registry);

    for (String code : List.of("200", "405", "599", "600", "099", "20", "2000", "abc", "４０４")) {
      registry.counter("requests", "code", code).increment();
    }

    assertThat(tagValues(registry, "code")).containsExactlyInAnyOrder("200", "405", "599", "other");
  }

  private static List<String> tagValues(MeterRegistry registry, String tag) {
    return registry.getMeters().stream().map(Meter::getId).map(id -> id.getTag(tag)).toList();
  }
}
