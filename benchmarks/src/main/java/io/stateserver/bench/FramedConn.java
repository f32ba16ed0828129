package io.stateserver.bench;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketFrame;

/** Reassembles WebSocket messages and tracks unexpected closes; subclasses parse messages. */
abstract class FramedConn implements Conn {
  protected final WebSocket ws;
  protected final ConnEvents events;
  private Buffer partial;
  private volatile boolean closing;

  FramedConn(WebSocket ws, ConnEvents events) {
    this.ws = ws;
    this.events = events;
    ws.frameHandler(this::onFrame);
    ws.exceptionHandler(e -> {});
    ws.closeHandler(
        v -> {
          if (!closing) {
            events.disconnected();
          }
          onClosed();
        });
  }

  private void onFrame(WebSocketFrame frame) {
    if (!frame.isText() && !frame.isBinary() && !frame.isContinuation()) {
      return;
    }
    if (frame.isContinuation()) {
      partial.appendBuffer(frame.binaryData());
      if (frame.isFinal()) {
        Buffer whole = partial;
        partial = null;
        onMessage(whole);
      }
    } else if (frame.isFinal()) {
      onMessage(frame.binaryData());
    } else {
      partial = Buffer.buffer().appendBuffer(frame.binaryData());
    }
  }

  /** One whole WebSocket message. */
  protected abstract void onMessage(Buffer message);

  /** Fails whatever still waits for an answer. */
  protected void onClosed() {}

  @Override
  public void pause() {
    ws.pause();
  }

  @Override
  public void resume() {
    ws.resume();
  }

  @Override
  public Future<Void> close() {
    closing = true;
    return ws.close().recover(e -> Future.succeededFuture());
  }
}
