package io.stateserver.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class CliArgsTest {

  private static final Set<String> VALUES = Set.of("limit", "url");
  private static final Set<String> FLAGS = Set.of("ephemeral");

  @Test
  void optionsMayComeBeforeBetweenOrAfterPositionals() throws UsageException {
    CliArgs args =
        CliArgs.parse(
            new String[] {"--limit", "3", "a", "--ephemeral", "b", "--url=ws://h/x"},
            VALUES,
            FLAGS);

    assertThat(args.positional()).containsExactly("a", "b");
    assertThat(args.value("limit")).isEqualTo("3");
    assertThat(args.value("url")).isEqualTo("ws://h/x");
    assertThat(args.flag("ephemeral")).isTrue();
  }

  @Test
  void singleDashArgumentsAndEverythingAfterDoubleDashArePositional() throws UsageException {
    CliArgs args = CliArgs.parse(new String[] {"-5", "--", "--limit"}, VALUES, FLAGS);

    assertThat(args.positional()).containsExactly("-5", "--limit");
    assertThat(args.value("limit")).isNull();
  }

  @Test
  void rejectsUnknownMissingRepeatedAndMisusedOptions() {
    assertThatThrownBy(() -> CliArgs.parse(new String[] {"--nope"}, VALUES, FLAGS))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("--nope");
    assertThatThrownBy(() -> CliArgs.parse(new String[] {"--limit"}, VALUES, FLAGS))
        .hasMessageContaining("needs a value");
    assertThatThrownBy(
            () -> CliArgs.parse(new String[] {"--limit", "1", "--limit", "2"}, VALUES, FLAGS))
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> CliArgs.parse(new String[] {"--ephemeral=yes"}, VALUES, FLAGS))
        .hasMessageContaining("takes no value");
  }

  @Test
  void numericOptionsAreCheckedAgainstTheirMinimum() throws UsageException {
    CliArgs args = CliArgs.parse(new String[] {"--limit", "0"}, VALUES, FLAGS);

    assertThatThrownBy(() -> args.longValue("limit", 1)).hasMessageContaining("at least 1");
    assertThat(args.longValue("limit", 0)).isZero();
    assertThat(args.longValue("url", 0)).isNull();
  }

  @Test
  void wrongPositionalCountNamesTheExpectedArguments() throws UsageException {
    CliArgs args = CliArgs.parse(new String[] {"a"}, VALUES, FLAGS);

    assertThatThrownBy(() -> args.requirePositional("key", "json value"))
        .hasMessageContaining("<key> <json value>");
  }
}
