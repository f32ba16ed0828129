package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.protocol.KeyArbitraries;
import io.stateserver.protocol.KeyPattern;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class SubscriptionIndexTest {

  private final SubscriptionIndex<String> index = new SubscriptionIndex<>();

  private Set<String> collect(String key) {
    Set<String> out = new HashSet<>();
    index.collect(key, out);
    return out;
  }

  private static KeyPattern p(String text) {
    return KeyPattern.parse(text);
  }

  @Test
  void findsSubscribersOfExactSingleAndMultiPatterns() {
    index.add(p("a/b"), "exact");
    index.add(p("a/+"), "single");
    index.add(p("a/#"), "multi");
    index.add(p("#"), "all");
    index.add(p("b/#"), "other");

    assertThat(collect("a/b")).containsExactlyInAnyOrder("exact", "single", "multi", "all");
    assertThat(collect("a/c")).containsExactlyInAnyOrder("single", "multi", "all");
    assertThat(collect("a")).containsExactlyInAnyOrder("multi", "all");
    assertThat(collect("a/b/c")).containsExactlyInAnyOrder("multi", "all");
    assertThat(collect("c")).containsExactly("all");
  }

  @Test
  void wildcardFirstPatternsDoNotSeeDollarKeys() {
    index.add(p("#"), "all");
    index.add(p("+/clients/a"), "plus");
    index.add(p("$sys/#"), "sys");
    index.add(p("$sys/clients/+"), "clients");

    assertThat(collect("$sys/clients/a")).containsExactlyInAnyOrder("sys", "clients");
    assertThat(collect("x/clients/a")).containsExactlyInAnyOrder("all", "plus");
  }

  @Test
  void subscriberWithOverlappingPatternsIsCollectedOnce() {
    index.add(p("a/#"), "conn");
    index.add(p("a/+"), "conn");
    index.add(p("a/b"), "conn");
    assertThat(collect("a/b")).containsExactly("conn");
    assertThat(index.size()).isEqualTo(3);
  }

  @Test
  void removeUndoesOneRegistrationAndReportsWhetherItExisted() {
    index.add(p("a/+"), "conn");
    index.add(p("a/+"), "conn");
    assertThat(index.size()).isEqualTo(2);

    assertThat(index.remove(p("a/+"), "conn")).isTrue();
    assertThat(collect("a/b")).containsExactly("conn");
    assertThat(index.remove(p("a/+"), "conn")).isTrue();
    assertThat(collect("a/b")).isEmpty();
    assertThat(index.remove(p("a/+"), "conn")).isFalse();
    assertThat(index.remove(p("a/#"), "conn")).isFalse();
    assertThat(index.remove(p("x/y/z"), "conn")).isFalse();
    assertThat(index.isEmpty()).isTrue();
  }

  @Test
  void removeOfOnePatternKeepsOthersOnTheSamePath() {
    index.add(p("a/b"), "exact");
    index.add(p("a/b/#"), "below");
    index.add(p("a/b/c"), "deep");

    assertThat(index.remove(p("a/b/c"), "deep")).isTrue();
    assertThat(collect("a/b")).containsExactlyInAnyOrder("exact", "below");
    assertThat(index.remove(p("a/b"), "exact")).isTrue();
    assertThat(collect("a/b/c")).containsExactly("below");
    assertThat(index.remove(p("a/b"), "below")).isFalse();
    assertThat(index.size()).isEqualTo(1);
  }

  @Test
  void removingEverythingLeavesNoNodesBehind() {
    index.add(p("a/+/c/#"), "x");
    index.add(p("a/b/c"), "y");
    index.remove(p("a/+/c/#"), "x");
    index.remove(p("a/b/c"), "y");
    assertThat(index.isEmpty()).isTrue();
    assertThat(index.nodeCount()).isEqualTo(1);
    assertThat(index.exactKeyCount()).isZero();
  }

  @Property(tries = 500)
  void collectEqualsBruteForceOverMatches(
      @ForAll("registrations") List<Registration> registrations,
      @ForAll("removals") List<Integer> removals,
      @ForAll("keys") List<String> keys) {
    SubscriptionIndex<String> idx = new SubscriptionIndex<>();
    List<Registration> live = new ArrayList<>();
    for (Registration r : registrations) {
      idx.add(r.pattern(), r.subscriber());
      live.add(r);
    }
    for (int i : removals) {
      if (live.isEmpty()) {
        break;
      }
      Registration r = live.remove(i % live.size());
      assertThat(idx.remove(r.pattern(), r.subscriber())).isTrue();
    }
    assertThat(idx.size()).isEqualTo(live.size());
    assertThat(idx.isEmpty()).isEqualTo(live.isEmpty());
    for (String key : keys) {
      Set<String> expected = new HashSet<>();
      for (Registration r : live) {
        if (r.pattern().matches(key)) {
          expected.add(r.subscriber());
        }
      }
      Set<String> actual = new HashSet<>();
      idx.collect(key, actual);
      assertThat(actual).as("subscribers of %s", key).isEqualTo(expected);
    }
  }

  @Property(tries = 200)
  void removingAllRegistrationsPrunesTheTrie(
      @ForAll("registrations") List<Registration> registrations) {
    SubscriptionIndex<String> idx = new SubscriptionIndex<>();
    registrations.forEach(r -> idx.add(r.pattern(), r.subscriber()));
    registrations.forEach(r -> assertThat(idx.remove(r.pattern(), r.subscriber())).isTrue());
    assertThat(idx.isEmpty()).isTrue();
    assertThat(idx.nodeCount()).isEqualTo(1);
    assertThat(idx.exactKeyCount()).isZero();
  }

  record Registration(KeyPattern pattern, String subscriber) {}

  @Provide
  Arbitrary<List<Registration>> registrations() {
    return Combinators.combine(
            KeyArbitraries.patterns().map(KeyPattern::parse), Arbitraries.of("s1", "s2", "s3"))
        .as(Registration::new)
        .list()
        .ofMaxSize(30);
  }

  @Provide
  Arbitrary<List<Integer>> removals() {
    return Arbitraries.integers().between(0, 1000).list().ofMaxSize(20);
  }

  @Provide
  Arbitrary<List<String>> keys() {
    return KeyArbitraries.keys().list().ofMinSize(1).ofMaxSize(10);
  }
}
