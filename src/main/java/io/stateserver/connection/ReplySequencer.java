package io.stateserver.connection;

import io.stateserver.protocol.Frames;
import io.stateserver.protocol.StateException;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Keeps replies in request order (PROTOCOL.md section 3) while requests complete out of order: each
 * request takes a slot when it arrives; a slot's frames are released only when every earlier slot
 * has been released. Single-threaded (the connection's event loop).
 */
final class ReplySequencer {
  // tiny at first (grows on demand): an idle connection has no request in flight
  private final ArrayDeque<Slot> slots = new ArrayDeque<>(1);
  private final Consumer<Buffer> sink;

  ReplySequencer(Consumer<Buffer> sink) {
    this.sink = sink;
  }

  /** A place in the reply order for one request. */
  final class Slot {
    private final Object id;
    private List<Buffer> frames;
    private Runnable afterEmit;
    private boolean done;

    private Slot(Object id) {
      this.id = id;
    }

    Object id() {
      return id;
    }

    /** Completes with frames to send (none for a request without id that succeeded). */
    void complete(List<Buffer> replyFrames, Runnable afterEmit) {
      if (done) {
        return;
      }
      this.frames = id == null ? List.of() : replyFrames;
      this.afterEmit = afterEmit;
      this.done = true;
      drain();
    }

    void complete(Buffer reply) {
      complete(List.of(reply), null);
    }

    /** Fails the request: the error is sent even without an id (as {@code "id": null}). */
    void fail(StateException error) {
      if (done) {
        return;
      }
      this.frames = List.of(Frames.error(id, error));
      this.done = true;
      drain();
    }
  }

  Slot reserve(Object id) {
    Slot slot = new Slot(id);
    slots.addLast(slot);
    return slot;
  }

  int inFlight() {
    return slots.size();
  }

  private void drain() {
    while (!slots.isEmpty() && slots.peekFirst().done) {
      Slot slot = slots.pollFirst();
      slot.frames.forEach(sink);
      if (slot.afterEmit != null) {
        slot.afterEmit.run();
      }
    }
  }
}
