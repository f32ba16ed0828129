package io.stateserver.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.protocol.StateException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

class StateRulesPropertiesTest {

  @Provide
  Arbitrary<WriteCommand> commands() {
    Arbitrary<Long> ifVersion = Arbitraries.longs().between(0, 6).injectNull(0.5);
    Arbitrary<String> value = Arbitraries.of("1", "{\"a\":1}", "[]", "null", "\"x\"");
    return Arbitraries.oneOf(
        Combinators.combine(value, ifVersion, Arbitraries.of(true, false))
            .as((v, i, eph) -> new WriteCommand.Set("k", v, i, eph, null, "w", "s1")),
        Combinators.combine(Arbitraries.of("{\"b\":2}", "{\"a\":null}"), ifVersion)
            .as((p, i) -> new WriteCommand.Patch("k", p, i, "w")),
        ifVersion.map(i -> new WriteCommand.Delete("k", i, "w")),
        Arbitraries.just(new WriteCommand.EndEphemeral("k", "s1")));
  }

  @Property
  void everyChangeTakesTheNextVersionSoVersionsCountTheChanges(
      @ForAll @Size(max = 40) List<@From("commands") WriteCommand> commands) {
    StoredEntry current = StoredEntry.absent("k");
    long now = 1;
    long changes = 0;
    for (WriteCommand command : commands) {
      StoredEntry before = current;
      try {
        StateRules.Applied applied = StateRules.apply(before, command, now++, 1000);
        if (applied.change() == null) {
          assertThat(applied.next()).isEqualTo(before);
        } else {
          assertThat(applied.next().version()).isEqualTo(before.version() + 1);
          assertThat(applied.change().version()).isEqualTo(applied.next().version());
          assertThat(applied.change().deleted()).isEqualTo(applied.next().deleted());
          assertThat(applied.next().deleted()).isEqualTo(applied.next().valueJson() == null);
          current = applied.next();
          changes++;
        }
      } catch (StateException e) {
        // a refused command leaves the row as it was: current is not reassigned
      }
    }
    assertThat(current.version()).isEqualTo(changes);
  }
}
