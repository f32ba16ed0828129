package io.stateserver.state;

/**
 * This node's broadcast numbering ({@link ChangeEvent#origin()}, {@link ChangeEvent#seq()}):
 * advanced only by the state verticle, the node's one broadcaster, and read by the session
 * verticle, which records it with the node's lease.
 */
public final class BroadcastCounter {
  private final String origin;
  private volatile long last;

  /**
   * @param origin this node's incarnation: its node id and a part new at every start
   */
  public BroadcastCounter(String origin) {
    this.origin = origin;
  }

  public String origin() {
    return origin;
  }

  /** The number of the next broadcast; called by the state verticle only. */
  long next() {
    long next = last + 1;
    last = next;
    return next;
  }

  /** The number of the last broadcast so far, 0 before the first. */
  public long last() {
    return last;
  }
}
