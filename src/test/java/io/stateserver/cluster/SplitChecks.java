package io.stateserver.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.support.BlockingClient;
import io.stateserver.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the split tests ({@link FrozenNodeIT}, {@link PartitionIT}) share. */
final class SplitChecks {
  private static final Logger log = LoggerFactory.getLogger(SplitChecks.class);

  /** What {@code CatchUpVerticle} logs when Hazelcast reports a member gone. */
  static final String MEMBER_LEFT = "change: left";

  /** What {@code CatchUpVerticle} logs on the node whose member gave way in a merge. */
  static final String MERGED = "node merged into a cluster";

  /**
   * Well past the 9-15 s the lease records' gap detection needs to report a lost broadcast, with
   * room for a slow machine's late timers.
   */
  static final Duration QUIET = Duration.ofSeconds(24);

  private static final String MISSED = "state_broadcasts_missed_total";
  private static final Pattern LEFT_SINCE =
      Pattern.compile("change: left, member: [^,]+, since: (\\d+)]");

  private SplitChecks() {}

  /**
   * The shipped Hazelcast configuration with its split-brain merge checks (from 60 s after start,
   * then every 30 s) brought forward to every 5 s, so that a merge happens within a test's time.
   */
  static Path fastMergeConfig(String name) throws IOException {
    String shipped = Files.readString(Path.of("cluster-config", "hazelcast.xml"));
    String fast =
        shipped
            .replace(
                "\"hazelcast.merge.first.run.delay.seconds\">60<",
                "\"hazelcast.merge.first.run.delay.seconds\">5<")
            .replace(
                "\"hazelcast.merge.next.run.delay.seconds\">30<",
                "\"hazelcast.merge.next.run.delay.seconds\">5<");
    assertThat(fast)
        .as("the shipped configuration sets both merge delays")
        .contains("first.run.delay.seconds\">5<", "next.run.delay.seconds\">5<");
    Path config = Files.createDirectories(Path.of("target")).resolve(name + "-hazelcast.xml");
    Files.writeString(config, fast);
    return config;
  }

  /**
   * Waits until the node has run both catch-up sweeps that follow a member leaving after {@code
   * mark} (at once and 5 s later), as its log shows: from then on, nothing but the lease records
   * and a merge makes it re-read what the other side writes.
   */
  static void awaitSweepsAfterLeaving(ServerProcess node, long mark, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      String log = node.logSince(mark);
      Matcher left = LEFT_SINCE.matcher(log);
      if (left.find()) {
        String sweptSince = "caught up [since: " + left.group(1) + ",";
        if (log.split(Pattern.quote(sweptSince), -1).length - 1 >= 2) {
          return;
        }
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "no two sweeps after a member left within " + timeout + node.logTail());
      }
      Thread.sleep(200);
    }
  }

  /** Where each node's log ends now ({@link ServerProcess#logMark()}), in the nodes' order. */
  static long[] logMarks(List<ServerProcess> nodes) {
    return nodes.stream().mapToLong(ServerProcess::logMark).toArray();
  }

  /** Whether any node logged {@code fragment} after its mark. */
  static boolean eitherLogged(List<ServerProcess> nodes, long[] marks, String fragment) {
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i).logContains(fragment, marks[i])) {
        return true;
      }
    }
    return false;
  }

  static void awaitEither(
      List<ServerProcess> nodes, long[] marks, String fragment, Duration timeout)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (!eitherLogged(nodes, marks, fragment)) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(
            "no node logged \"" + fragment + "\" within " + timeout + nodes.get(1).logTail());
      }
      Thread.sleep(200);
    }
  }

  /**
   * Each node's count of lost broadcasts once it has not moved for {@link #QUIET}: broadcasts sent
   * while a merged node's event-bus subscriptions were being restored may still be reported.
   */
  static double[] settledMissedBroadcasts(ServerProcess a, ServerProcess b) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
    double[] before = {a.meter(MISSED), b.meter(MISSED)};
    while (true) {
      Thread.sleep(QUIET.toMillis());
      double[] now = {a.meter(MISSED), b.meter(MISSED)};
      if (now[0] == before[0] && now[1] == before[1]) {
        log.info("lost-broadcast meters settled [{}: {}, {}: {}]", a, now[0], b, now[1]);
        return now;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("lost-broadcast meters still moving after the merge");
      }
      before = now;
    }
  }

  /** After {@link #QUIET}, neither node has reported a lost broadcast since {@code settled}. */
  static void assertNoBroadcastLostSince(ServerProcess a, ServerProcess b, double[] settled)
      throws Exception {
    Thread.sleep(QUIET.toMillis());
    assertThat(a.meter(MISSED)).as("broadcasts lost on their way to %s", a).isEqualTo(settled[0]);
    assertThat(b.meter(MISSED)).as("broadcasts lost on their way to %s", b).isEqualTo(settled[1]);
  }

  /** No watcher ever saw a key's version go backwards, or the same version twice. */
  static void assertVersionsOnlyRose(List<BlockingClient> watchers, List<String> keys) {
    for (BlockingClient watcher : watchers) {
      for (String key : keys) {
        assertThat(watcher.changeVersions(key))
            .as("versions of %s", key)
            .isSorted()
            .doesNotHaveDuplicates();
      }
    }
  }
}
