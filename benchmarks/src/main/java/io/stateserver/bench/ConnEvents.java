package io.stateserver.bench;

/** What a connection reports back to the scenario that owns it. */
public interface ConnEvents {
  /** A publish arrived; {@code sentNanos} is its intended send time on the {@link Clock}. */
  void delivered(long sentNanos);

  /** The system answered a request with an error (e.g. rate_limited). */
  void error(String code);

  /** The connection closed without the harness asking for it. */
  void disconnected();

  ConnEvents NONE =
      new ConnEvents() {
        @Override
        public void delivered(long sentNanos) {}

        @Override
        public void error(String code) {}

        @Override
        public void disconnected() {}
      };
}
