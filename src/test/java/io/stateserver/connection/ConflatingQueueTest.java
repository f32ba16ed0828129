package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class ConflatingQueueTest {

  private static Buffer frame(String text) {
    return Buffer.buffer(text);
  }

  private static List<String> drain(ConflatingQueue queue) {
    List<String> out = new ArrayList<>();
    for (Buffer b = queue.poll(); b != null; b = queue.poll()) {
      out.add(b.toString());
    }
    return out;
  }

  @Test
  void emptyQueuePollsNull() {
    ConflatingQueue queue = new ConflatingQueue(4);
    assertThat(queue.isEmpty()).isTrue();
    assertThat(queue.poll()).isNull();
    assertThat(queue.pendingBytes()).isZero();
  }

  @Test
  void repliesLeaveInOrderAndAreBoundedButNeverDropped() {
    ConflatingQueue queue = new ConflatingQueue(2);
    assertThat(queue.offerReply(frame("r1"))).isTrue();
    assertThat(queue.offerReply(frame("r2"))).isTrue();
    assertThat(queue.offerReply(frame("r3"))).isFalse();
    assertThat(queue.pendingReplies()).isEqualTo(2);

    assertThat(queue.poll().toString()).isEqualTo("r1");
    assertThat(queue.offerReply(frame("r3"))).isTrue();
    assertThat(drain(queue)).containsExactly("r2", "r3");
    assertThat(queue.pendingReplies()).isZero();
  }

  @Test
  void changesDoNotCountAgainstTheReplyLimit() {
    ConflatingQueue queue = new ConflatingQueue(1);
    queue.offerChange("a", 1, frame("a1"));
    queue.offerChange("b", 1, frame("b1"));
    assertThat(queue.offerReply(frame("r1"))).isTrue();
    assertThat(queue.offerReply(frame("r2"))).isFalse();
    assertThat(drain(queue)).containsExactly("a1", "b1", "r1");
  }

  @Test
  void newerChangeReplacesPendingOneInItsPlace() {
    ConflatingQueue queue = new ConflatingQueue(10);
    queue.offerReply(frame("r1"));
    queue.offerChange("a", 1, frame("a1"));
    queue.offerChange("b", 1, frame("b1"));
    queue.offerChange("a", 2, frame("a2"));

    assertThat(queue.pendingChanges()).isEqualTo(2);
    assertThat(drain(queue)).containsExactly("r1", "a2", "b1");
  }

  @Test
  void newerChangeDoesNotOvertakeAReplyQueuedAfterThePendingOne() {
    // the reply may be a snapshot holding the key at a version in between (a1 < snapshot < a3)
    ConflatingQueue queue = new ConflatingQueue(10);
    queue.offerChange("a", 1, frame("a1"));
    queue.offerReply(frame("snapshot a2"));
    queue.offerChange("b", 1, frame("b1"));
    queue.offerChange("a", 3, frame("a3"));

    assertThat(queue.pendingChanges()).isEqualTo(2);
    assertThat(queue.pendingBytes()).isEqualTo("snapshot a2b1a3".length());
    assertThat(drain(queue)).containsExactly("snapshot a2", "b1", "a3");
    assertThat(queue.isEmpty()).isTrue();
    assertThat(queue.pendingBytes()).isZero();
  }

  @Test
  void aReaderThatStallsWhileItSendsRequestsDoesNotPileUpDroppedChanges() {
    ConflatingQueue queue = new ConflatingQueue(2000);
    for (int round = 1; round <= 100; round++) {
      for (int k = 0; k < 1000; k++) {
        queue.offerChange("k" + k, round, frame("c"));
      }
      queue.offerReply(frame("pong"));
    }
    assertThat(queue.pendingChanges()).isEqualTo(1000);
    assertThat(queue.pendingReplies()).isEqualTo(100);
    // without the sweep: 100,100 entries
    assertThat(queue.size()).isLessThanOrEqualTo(2 * (1000 + 100) + 32);
    assertThat(drain(queue)).hasSize(1100);
    assertThat(queue.size()).isZero();
  }

  @Test
  void aQueueHoldingOnlyADroppedChangeIsEmpty() {
    ConflatingQueue queue = new ConflatingQueue(10);
    queue.offerChange("a", 1, frame("a1"));
    queue.offerReply(frame("r1"));
    queue.offerChange("a", 2, frame("a2"));
    assertThat(queue.poll().toString()).isEqualTo("r1");
    assertThat(queue.poll().toString()).isEqualTo("a2");
    assertThat(queue.isEmpty()).isTrue();
    assertThat(queue.poll()).isNull();
  }

  @Test
  void olderOrEqualChangeIsIgnored() {
    ConflatingQueue queue = new ConflatingQueue(10);
    queue.offerChange("a", 5, frame("a5"));
    queue.offerChange("a", 4, frame("a4"));
    queue.offerChange("a", 5, frame("a5-again"));
    assertThat(drain(queue)).containsExactly("a5");
  }

  @Test
  void changeAfterPendingOneWasSentQueuesAgainAtTheEnd() {
    ConflatingQueue queue = new ConflatingQueue(10);
    queue.offerChange("a", 1, frame("a1"));
    queue.offerReply(frame("r1"));
    assertThat(queue.poll().toString()).isEqualTo("a1");
    queue.offerChange("a", 2, frame("a2"));
    assertThat(drain(queue)).containsExactly("r1", "a2");
  }

  @Test
  void pendingBytesFollowOffersReplacementsAndPolls() {
    ConflatingQueue queue = new ConflatingQueue(10);
    queue.offerReply(frame("12345"));
    queue.offerChange("a", 1, frame("123"));
    assertThat(queue.pendingBytes()).isEqualTo(8);
    queue.offerChange("a", 2, frame("1234567"));
    assertThat(queue.pendingBytes()).isEqualTo(12);
    queue.offerChange("a", 1, frame("1"));
    assertThat(queue.pendingBytes()).isEqualTo(12);
    queue.poll();
    assertThat(queue.pendingBytes()).isEqualTo(7);
    queue.poll();
    assertThat(queue.pendingBytes()).isZero();
    assertThat(queue.isEmpty()).isTrue();
  }

  @Test
  void stalledConsumerHoldsOnlyTheNewestChangeOfEachKey() {
    ConflatingQueue queue = new ConflatingQueue(16);
    for (int i = 1; i <= 100_000; i++) {
      String key = "k" + (i % 10);
      queue.offerChange(key, i, frame(key + "@" + i));
    }

    assertThat(queue.pendingChanges()).isEqualTo(10);
    List<String> frames = drain(queue);
    // first arrivals were k1..k9 then k0; each holds the last version written to it
    assertThat(frames)
        .containsExactly(
            "k1@99991",
            "k2@99992",
            "k3@99993",
            "k4@99994",
            "k5@99995",
            "k6@99996",
            "k7@99997",
            "k8@99998",
            "k9@99999",
            "k0@100000");
    assertThat(queue.isEmpty()).isTrue();
    assertThat(queue.pendingChanges()).isZero();
  }

  @Test
  void refusesNonPositiveReplyLimit() {
    assertThatThrownBy(() -> new ConflatingQueue(0)).isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * For any interleaving of offers and polls: replies come out all and in order, the changes of
   * each key come out with strictly increasing versions, ending with the newest offered, and no
   * change comes out before a reply queued before it.
   */
  @Property(tries = 500)
  void keepsRepliesAndConflatesChangesMonotonically(@ForAll("operations") List<Integer> ops) {
    ConflatingQueue queue = new ConflatingQueue(1000);
    Map<String, Long> newestOffered = new HashMap<>();
    Map<String, Long> lastSeen = new HashMap<>();
    List<String> repliesOut = new ArrayList<>();
    int replies = 0;
    long version = 0;
    for (int op : ops) {
      if (op < 9) { // change of key k0..k2 with the next version
        String key = "k" + (op % 3);
        long v = ++version;
        newestOffered.put(key, v);
        queue.offerChange(key, v, frame("c " + key + " " + v + " " + replies));
      } else if (op < 11) { // a stale change, older than the pending one; must be ignored
        String key = "k" + (op % 3);
        Long newest = newestOffered.get(key);
        // callers never offer versions at or below what was already sent (see class comment)
        if (newest != null && newest - 1 > lastSeen.getOrDefault(key, 0L)) {
          queue.offerChange(
              key, newest - 1, frame("c " + key + " " + (newest - 1) + " " + replies));
        }
      } else if (op < 14) { // a reply
        assertThat(queue.offerReply(frame("r " + replies++))).isTrue();
      } else { // the socket takes one frame
        record(queue.poll(), lastSeen, repliesOut);
      }
      assertThat(queue.pendingChanges()).isLessThanOrEqualTo(3);
    }
    for (Buffer b = queue.poll(); b != null; b = queue.poll()) {
      record(b, lastSeen, repliesOut);
    }
    assertThat(lastSeen).isEqualTo(newestOffered);
    List<String> expectedReplies = new ArrayList<>();
    for (int i = 0; i < replies; i++) {
      expectedReplies.add("r " + i);
    }
    assertThat(repliesOut).isEqualTo(expectedReplies);
    assertThat(queue.pendingBytes()).isZero();
  }

  private static void record(Buffer b, Map<String, Long> lastSeen, List<String> replies) {
    if (b == null) {
      return;
    }
    String[] parts = b.toString().split(" ");
    if (parts[0].equals("r")) {
      replies.add(b.toString());
      return;
    }
    long v = Long.parseLong(parts[2]);
    assertThat(replies.size())
        .as("replies out before %s of %s, which was queued after %s replies", v, parts[1], parts[3])
        .isGreaterThanOrEqualTo(Integer.parseInt(parts[3]));
    Long previous = lastSeen.put(parts[1], v);
    assertThat(previous == null || v > previous)
        .as("version %s of %s after %s", v, parts[1], previous)
        .isTrue();
  }

  @Provide
  Arbitrary<List<Integer>> operations() {
    return Arbitraries.integers().between(0, 17).list().ofMaxSize(200);
  }
}
