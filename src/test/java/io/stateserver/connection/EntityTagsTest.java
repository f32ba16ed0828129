package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class EntityTagsTest {

  @Test
  void aVersionHasOneTagWhichReadsBackAsIt() {
    for (long v : List.of(1L, 7L, 10L, Long.MAX_VALUE)) {
      assertThat(EntityTags.version(EntityTags.of(v))).isEqualTo(v);
    }
    assertThat(EntityTags.version(" W/\"7\" ")).isEqualTo(7);
    assertThat(EntityTags.version("7")).as("unquoted, leniently").isEqualTo(7);
  }

  @Test
  void anythingElseNamesNoVersion() {
    for (String tag :
        List.of(
            "",
            "\"\"",
            "\"0\"",
            "\"+7\"",
            "\"-7\"",
            "\"07\"",
            "\"7.0\"",
            "\"7\", \"8\"",
            "*",
            "\"9223372036854775808\"",
            "\"99999999999999999999\"",
            "W/",
            "\"7")) {
      assertThat(EntityTags.version(tag)).as(tag).isNull();
    }
  }
}
