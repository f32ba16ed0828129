package io.stateserver.connection;

import io.stateserver.protocol.Frames;
import io.stateserver.state.ChangeEvent;
import io.vertx.core.buffer.Buffer;

/**
 * A change as every connection verticle of this node receives it; its frame is encoded at most once
 * on this node, by the first verticle that has a subscriber for it, and every local subscriber is
 * sent those same bytes. A change nobody on this node follows (every write of a durable-write
 * benchmark, most writes of a large fleet) is never encoded at all. Local-only (see {@link
 * io.stateserver.bus.LocalCodec}).
 */
public final class EncodedChange {
  private final ChangeEvent event;
  private final boolean caughtUp;
  private volatile Buffer frame;

  /** A change as broadcast by the node that committed it. */
  public EncodedChange(ChangeEvent event) {
    this(event, false);
  }

  /**
   * @param caughtUp true for a row re-read by a catch-up sweep ({@code cluster.CatchUpVerticle})
   *     rather than broadcast by its writer; subscribers that already have its version drop it
   */
  public EncodedChange(ChangeEvent event, boolean caughtUp) {
    this.event = event;
    this.caughtUp = caughtUp;
  }

  /** The changed key. */
  public String key() {
    return event.key();
  }

  /** Its new version. */
  public long version() {
    return event.version();
  }

  /** Its new value as JSON text; null for a deletion. */
  public String valueJson() {
    return event.valueJson();
  }

  /** True when a catch-up sweep re-read it (see the constructor). */
  public boolean caughtUp() {
    return caughtUp;
  }

  /** Commit time, epoch ms (for the fan-out latency metric). */
  public long ts() {
    return event.ts();
  }

  /**
   * The encoded change frame; never modified after creation. Two event loops asking at once may
   * both encode it; they produce the same bytes and one of them is kept.
   */
  public Buffer frame() {
    Buffer f = frame;
    if (f == null) {
      f = Frames.change(event);
      frame = f;
    }
    return f;
  }
}
