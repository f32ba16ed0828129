package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stateserver.protocol.StateException;
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
            "*",
            "\"9223372036854775808\"",
            "\"99999999999999999999\"",
            "W/",
            "\"7")) {
      assertThat(EntityTags.version(tag)).as(tag).isNull();
    }
  }

  @Test
  void aListNamesEachOfItsVersionsAndIsRefusedWholeWhenOneElementNamesNone() {
    assertThat(EntityTags.version("\"7\", \"8\"")).as("one tag, not a list").isNull();
    assertThat(EntityTags.versions("\"7\", W/\"8\",,")).containsExactly(7L, 8L);
    assertThat(EntityTags.versions("\"7\"")).containsExactly(7L);
    for (String list : List.of("", " , ", "\"7\", \"x\"", "\"7\" \"8\"", "*, \"7\"")) {
      assertThat(EntityTags.versions(list)).as(list).isNull();
    }
  }

  @Test
  void aConditionMatchesAnExistingKeyByStarOrByAVersionInItsList() {
    EntityTags.Condition star = EntityTags.Condition.of("If-Match", " * ");
    assertThat(star.matches(true, 3)).isTrue();
    assertThat(star.matches(false, 0)).isFalse();
    EntityTags.Condition listed = EntityTags.Condition.of("If-Match", "\"2\", \"3\"");
    assertThat(listed.matches(true, 3)).isTrue();
    assertThat(listed.matches(true, 4)).isFalse();
    assertThat(listed.matches(false, 3)).as("an absent key matches no tag").isFalse();
    assertThat(EntityTags.Condition.of("If-Match", null)).isNull();
    assertThatThrownBy(() -> EntityTags.Condition.of("If-None-Match", "\"2\", two"))
        .isInstanceOf(StateException.class)
        .hasMessageContaining("If-None-Match");
  }
}
