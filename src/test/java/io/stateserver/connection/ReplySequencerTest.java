package io.stateserver.connection;

import static org.assertj.core.api.Assertions.assertThat;

import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplySequencerTest {
  private final List<String> sent = new ArrayList<>();
  private final ReplySequencer replies = new ReplySequencer(b -> sent.add(text(b)));

  private static String text(Buffer b) {
    JsonObject frame = b.toJsonObject();
    return frame.containsKey("error")
        ? "error:" + frame.getValue("id")
        : frame.getString("t", "?") + ":" + frame.getValue("id");
  }

  private static Buffer frame(Object id, String t) {
    return new JsonObject().put("id", id).put("t", t).toBuffer();
  }

  @Test
  void repliesLeaveInRequestOrderWhateverOrderTheyCompleteIn() {
    ReplySequencer.Slot first = replies.reserve(1);
    ReplySequencer.Slot second = replies.reserve(2);
    second.complete(frame(2, "b"));
    assertThat(sent).isEmpty();
    first.complete(frame(1, "a"));
    assertThat(sent).containsExactly("a:1", "b:2");
  }

  @Test
  void framesEmittedAtTheHeadLeaveAtOnceBeforeTheReplyCompletes() {
    ReplySequencer.Slot snapshot = replies.reserve(1);
    ReplySequencer.Slot after = replies.reserve(2);
    after.complete(frame(2, "pong"));
    snapshot.emit(frame(1, "part1"));
    assertThat(sent).containsExactly("part1:1");
    assertThat(snapshot.waiting()).isZero();
    snapshot.emit(frame(1, "part2"));
    assertThat(sent).containsExactly("part1:1", "part2:1");
    snapshot.complete(List.of(frame(1, "last")), null);
    assertThat(sent).containsExactly("part1:1", "part2:1", "last:1", "pong:2");
  }

  @Test
  void framesEmittedBehindAnOpenSlotWaitForIt() {
    ReplySequencer.Slot write = replies.reserve(1);
    ReplySequencer.Slot snapshot = replies.reserve(2);
    snapshot.emit(frame(2, "part1"));
    snapshot.emit(frame(2, "part2"));
    assertThat(sent).isEmpty();
    assertThat(snapshot.waiting()).isEqualTo(2);
    write.complete(frame(1, "ok"));
    assertThat(sent).containsExactly("ok:1", "part1:2", "part2:2");
    assertThat(snapshot.waiting()).isZero();
  }

  @Test
  void aFailureAfterEmittedFramesFollowsThemAndRunsNothingAfterEmit() {
    ReplySequencer.Slot write = replies.reserve(1);
    ReplySequencer.Slot snapshot = replies.reserve(2);
    snapshot.emit(frame(2, "part1"));
    snapshot.fail(new StateException(ErrorCode.UNAVAILABLE, "database down"));
    snapshot.complete(List.of(frame(2, "late")), () -> sent.add("after"));
    write.complete(frame(1, "ok"));
    assertThat(sent).containsExactly("ok:1", "part1:2", "error:2");
  }

  @Test
  void aRequestWithoutIdSendsNothingOnSuccessButItsFailure() {
    ReplySequencer.Slot quiet = replies.reserve(null);
    quiet.emit(frame(null, "part"));
    quiet.complete(List.of(frame(null, "last")), () -> sent.add("after"));
    ReplySequencer.Slot failing = replies.reserve(null);
    failing.fail(new StateException(ErrorCode.BAD_REQUEST, "no"));
    assertThat(sent).containsExactly("after", "error:null");
    assertThat(replies.inFlight()).isZero();
  }

  @Test
  void aSinkThatEmitsOrCompletesAgainKeepsTheOrderAndLosesNoReply() {
    List<String> out = new ArrayList<>();
    ReplySequencer.Slot[] snapshot = new ReplySequencer.Slot[1];
    int[] afterEmit = {0};
    ReplySequencer sequencer =
        new ReplySequencer(
            b -> {
              out.add(text(b));
              // as the connection does: the first frame out lets the snapshot read on, and its
              // last chunk finishes the reply from inside this call
              if (text(b).equals("p1:2")) {
                snapshot[0].emit(frame(2, "p3"));
                snapshot[0].complete(List.of(frame(2, "last")), () -> afterEmit[0]++);
              }
            });
    ReplySequencer.Slot write = sequencer.reserve(1);
    snapshot[0] = sequencer.reserve(2);
    ReplySequencer.Slot ping = sequencer.reserve(3);
    snapshot[0].emit(frame(2, "p1"));
    snapshot[0].emit(frame(2, "p2"));
    ping.complete(frame(3, "pong"));
    write.complete(frame(1, "ok"));

    assertThat(out).containsExactly("ok:1", "p1:2", "p2:2", "p3:2", "last:2", "pong:3");
    assertThat(afterEmit[0]).isEqualTo(1);
    assertThat(sequencer.inFlight()).isZero();
  }
}
