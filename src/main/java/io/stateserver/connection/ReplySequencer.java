package io.stateserver.connection;

import io.stateserver.protocol.Frames;
import io.stateserver.protocol.StateException;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Keeps replies in request order (PROTOCOL.md section 3) while requests complete out of order: each
 * request takes a slot when it arrives; a slot's frames are released only when every earlier slot
 * has been released (a slot at the head may release frames before it completes: {@link Slot#emit}).
 * Single-threaded (the connection's event loop).
 */
final class ReplySequencer {
  // tiny at first (grows on demand): an idle connection has no request in flight
  private final ArrayDeque<Slot> slots = new ArrayDeque<>(1);
  private final Consumer<Buffer> sink;
  private boolean draining;

  ReplySequencer(Consumer<Buffer> sink) {
    this.sink = sink;
  }

  /** A place in the reply order for one request. */
  final class Slot {
    private final Object id;
    // frames given and not yet released (an earlier slot is still open); null when none
    private List<Buffer> frames;
    private Runnable afterEmit;
    private boolean done;

    private Slot(Object id) {
      this.id = id;
    }

    Object id() {
      return id;
    }

    /**
     * One frame of a reply sent in several (a large {@code sub} snapshot), before the last: it
     * leaves as soon as every earlier slot has been released, so a long reply need not be held
     * whole. A request without id sends nothing on success, so nothing of it either.
     */
    void emit(Buffer frame) {
      if (done || id == null) {
        return;
      }
      add(frame);
      drain();
    }

    /** Completes with frames to send (none for a request without id that succeeded). */
    void complete(List<Buffer> replyFrames, Runnable afterEmit) {
      if (done) {
        return;
      }
      if (id != null && !replyFrames.isEmpty()) {
        if (frames == null) {
          frames = replyFrames; // the common case: one reply, no frame emitted before it
        } else {
          frames.addAll(replyFrames);
        }
      }
      this.afterEmit = afterEmit;
      this.done = true;
      drain();
    }

    void complete(Buffer reply) {
      complete(List.of(reply), null);
    }

    /**
     * Fails the request: the error is sent even without an id (as {@code "id": null}), after any
     * frames this slot already emitted.
     */
    void fail(StateException error) {
      if (done) {
        return;
      }
      add(Frames.error(id, error));
      this.done = true;
      drain();
    }

    /** Frames emitted that wait for an earlier slot to be released. */
    int waiting() {
      return frames == null ? 0 : frames.size();
    }

    private void add(Buffer frame) {
      if (frames == null) {
        frames = new ArrayList<>(1);
      }
      frames.add(frame);
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
    // Not re-entrant: the sink or an afterEmit may emit, complete or fail a slot (a snapshot's next
    // chunk, released changes); the loop below then picks that up in order, where a nested drain
    // would send frames ahead of those still in its caller's hands, and poll the wrong slot.
    if (draining) {
      return;
    }
    draining = true;
    try {
      while (!slots.isEmpty()) {
        Slot slot = slots.peekFirst();
        if (slot.frames != null) {
          List<Buffer> frames = slot.frames;
          slot.frames = null;
          frames.forEach(sink);
          continue; // more may have been emitted meanwhile
        }
        if (!slot.done) {
          return;
        }
        slots.pollFirst();
        if (slot.afterEmit != null) {
          slot.afterEmit.run();
        }
      }
    } finally {
      draining = false;
    }
  }
}
