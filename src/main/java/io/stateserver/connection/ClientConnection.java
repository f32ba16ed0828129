package io.stateserver.connection;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.stateserver.bus.Addresses;
import io.stateserver.bus.Bus;
import io.stateserver.persistence.ReadQuery;
import io.stateserver.persistence.SessionOp;
import io.stateserver.protocol.CloseCodes;
import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.FiniteNumbers;
import io.stateserver.protocol.Frames;
import io.stateserver.protocol.JsonDepth;
import io.stateserver.protocol.KeyPattern;
import io.stateserver.protocol.Keys;
import io.stateserver.protocol.Request;
import io.stateserver.protocol.RequestParser;
import io.stateserver.protocol.StateException;
import io.stateserver.ratelimit.ConnectionRateGate;
import io.stateserver.ratelimit.RateVerdict;
import io.stateserver.security.Principal;
import io.stateserver.session.PresenceKeys;
import io.stateserver.session.SessionControl;
import io.stateserver.state.StoredEntry;
import io.stateserver.state.WriteCommand;
import io.stateserver.state.WriteOutcome;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's WebSocket: decodes requests, checks them, sends them on to the state and persistence
 * verticles, keeps replies in order, and delivers the changes of its subscriptions through a
 * conflating outbound queue. All methods run on the connection's event loop.
 *
 * <p>A connection is its own token-expiry deadline on the event loop's {@link DeadlineWheel} (see
 * {@link #expired()}): one object fewer per idle connection than a separate deadline.
 */
final class ClientConnection extends DeadlineWheel.Deadline {
  private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final java.util.concurrent.atomic.AtomicLong LAST_CONNECTED_AT =
      new java.util.concurrent.atomic.AtomicLong();
  // a drop that could not be recorded is tried again after 1 s, 2 s, 4 s, then every 8 s
  private static final long DROP_RETRY_MS = 1_000;
  private static final int DROP_RETRY_DOUBLINGS = 3;
  // a list reply's fields other than its entries and "next" (a key)
  private static final int LIST_FRAME_OVERHEAD = 100;

  private final ConnectionContext ctx;
  // Written to (write*, writePing, close) only on this connection's event loop: see
  // DirectControlWrites.
  private final ServerWebSocket ws;
  private final Context context;
  private final EventBus bus;
  private final String connectionId = randomId(9);
  private final ConflatingQueue out;
  private final ReplySequencer replies;
  private final Subscriptions subscriptions;
  private final RequestChecks checks;
  private final Consumer<ClientConnection> onClosed;
  private final ConnectionRateGate rateGate;
  private final Heartbeat heartbeat;
  private final SocketWriter writer;

  private Principal principal;
  private String sessionId;
  // the session being opened or resumed: if the start fails, its row may have been written even
  // so (the answer was lost, or the presence update after it failed), and its drop must be recorded
  private String openingSessionId;
  private long sessionConnectedAt;
  private Future<?> writeBarrier = Future.succeededFuture();
  // the last read (get, list, a subscription's snapshot): the next one starts after it, and a
  // write is submitted only after the reads sent before it (see read and write)
  private Future<?> readBarrier = Future.succeededFuture();
  // completes once the last write sent has been submitted (see write)
  private Future<?> submitted = Future.succeededFuture();
  private boolean closed;
  // this side started closing (goaway, takeover, revocation, expiry ...): from then on no request
  // of this connection runs, as after the close itself (see read and write)
  private boolean closing;
  private boolean paused;
  private boolean takenOver;

  /**
   * The close after answering what was read (a goaway's, or a 4429), or null: one such close is all
   * a client gets (drain and switch-over may both ask, and a client over its rate limits may be
   * closed meanwhile), and a later caller waits for that close too. Set when the close is asked
   * for, which may be before it goes out (see {@link #goAway}).
   */
  private Future<Void> goingAway;

  // a goaway was asked for: nothing more is read, and what was read is being answered first
  private boolean leaving;

  private long closeDeadline = -1;
  // a snapshot waiting for the socket to take its frames before it reads on, and its reply's slot
  // (see repliesTaken)
  private Promise<Void> repliesTaken;
  private ReplySequencer.Slot repliesTakenBy;
  // a goaway waiting for the replies before it to be handed to the socket (see answerWhatWasRead)
  private Promise<Void> repliesFlushed;
  // completes when what was read before a goaway is answered, or the connection closed
  private Promise<Void> answeredBeforeGoaway;
  private long reportedPendingChanges;
  private long reportedPendingBytes;

  ClientConnection(
      ConnectionContext ctx,
      ServerWebSocket ws,
      SocketWriter writer,
      Context context,
      Principal principal,
      Consumer<ClientConnection> onClosed) {
    this.ctx = ctx;
    this.onClosed = onClosed;
    this.ws = ws;
    this.writer = writer;
    this.context = context;
    this.bus = ctx.vertx().eventBus();
    this.principal = principal;
    // Backpressure keeps the reply backlog near maxPendingReplies; the queue's own bound is a
    // safety net above that (a hello, snapshot frames and a goaway must still fit).
    this.out = new ConflatingQueue(ctx.config().limits().maxPendingReplies() * 2 + 64);
    this.replies = new ReplySequencer(this::enqueueReply);
    this.subscriptions = new Subscriptions(ctx.index(), this);
    this.checks = new RequestChecks(ctx);
    this.rateGate = ctx.rateLimits().newGate(context);
    this.heartbeat = newHeartbeat();
  }

  /** Idle timeout: ping a silent client, close one that does not answer (1001, reconnect). */
  private Heartbeat newHeartbeat() {
    var http = ctx.config().http();
    return new Heartbeat(
        http.pingIntervalMs(),
        http.pingTimeoutMs(),
        ctx.deadlines(),
        new Heartbeat.Peer() {
          @Override
          public boolean readingPaused() {
            return paused;
          }

          @Override
          public long owed() {
            return replyBacklog();
          }

          @Override
          public void sendPing() {
            ws.writePing(Buffer.buffer());
          }

          @Override
          public void idleTimedOut() {
            log.debug("no answer to ping, closing [connection: {}]", connectionId);
            closeWith(CloseCodes.GOING_AWAY, "idle timeout");
          }
        });
  }

  String connectionId() {
    return connectionId;
  }

  /** When this connection opened or resumed its session (see {@link #connectedAtNow}). */
  long connectedAt() {
    return sessionConnectedAt;
  }

  /** Opens or resumes the session, announces presence, says hello, then starts reading. */
  void start(String resumeSessionId) {
    ws.pause();
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(
        b -> closeWith(CloseCodes.UNSUPPORTED_DATA, "binary frames are not supported"));
    ws.exceptionHandler(this::onSocketError);
    ws.closeHandler(v -> onClosed());
    writer.onWritable(() -> context.runOnContext(v -> flush()));
    ws.pongHandler(pong -> heartbeat.activity());
    heartbeat.start();
    scheduleExpiry();
    ctx.metrics().connectionOpened();
    openSession(resumeSessionId)
        .compose(id -> refreshPresence().map(id))
        .onComplete(
            ar -> {
              if (ar.failed() && openingSessionId != null) {
                // the drop is conditional (this node, this connected-at): harmless if the row was
                // never written, and without it one that was would count as connected for good
                sessionId = openingSessionId;
              }
              if (closed) {
                if (ar.succeeded() || sessionId != null) {
                  // The socket closed while the session was opening: record the drop now, or the
                  // session would count as connected until its lease ran out.
                  sessionId = ar.succeeded() ? ar.result() : sessionId;
                  recordDrop();
                }
                return;
              }
              if (ar.failed() && ar.cause() == RESUMED_HERE_LATER) {
                takenOver(); // as if it had registered first and the later resume then closed it
                return;
              }
              if (ar.failed()) {
                log.warn(
                    "session start failed [client: {}, cause: {}]",
                    principal.clientId(),
                    ar.cause().getMessage());
                closeWith(CloseCodes.GOING_AWAY, "unavailable");
                return;
              }
              sessionId = ar.result();
              if (!ctx.liveSessions().put(sessionId, this)) {
                return; // a later resume of the session on this node owns it: closing
              }
              if (sessionId.equals(resumeSessionId)) {
                // A later resume, here or on another node, may have committed and even closed
                // again before this connection registered, so that nothing closed this one.
                confirmOwnership();
              }
              if (ctx.verifier().denied(principal)) {
                // disabled or revoked while the session was opening, after the sweep had run
                closeWith(CloseCodes.ACCESS_REVOKED, "access revoked");
                return;
              }
              enqueueReply(
                  Frames.hello(sessionId, ctx.nodeId(), principal.clientId(), ctx.helloLimits()));
              ws.resume();
              // The fleet has moved: this client too, right after its hello. Reading goes on,
              // so that the client's answer to the close frame is read.
              goAwayIfSwitchedOver();
              log.debug(
                  "client connected [client: {}, session: {}]", principal.clientId(), sessionId);
            });
  }

  /**
   * A resume of this connection's session on another node committed: close this connection unless
   * it still owns the session. Why ask, rather than close: two resumes at once on two nodes each
   * send a notice, and the older one's may arrive after the newer connection registered.
   */
  void resumedElsewhere() {
    context.runOnContext(
        v -> {
          if (!closed && sessionId != null) {
            confirmOwnership();
          }
        });
  }

  /**
   * Two resumes of one session on two nodes at once: each publishes its takeover notice once its
   * resume committed, but a node closes only connections registered by then, and each may reach the
   * other node before that one's connection registered, leaving both open on one session. The last
   * resume to commit owns the session: a connection, once registered, asks the row, and one that
   * lost closes as taken over. (One that asks before the later resume commits is registered when
   * that resume's notice comes, and asks again then.) On one node too: a later resume may commit,
   * register and close again before this connection registers, leaving nothing to close this one
   * while its session is dropped under it. When the database cannot say, the connection closes: its
   * drop is conditional, so an owner closed so only makes its client resume again, while two
   * connections left open on one session would each act for it. It closes with 1001 (reconnect),
   * for it is most likely the owner.
   */
  private void confirmOwnership() {
    Bus.<Boolean>request(
            bus,
            Addresses.PERSISTENCE_SESSION,
            new SessionOp.Owns(sessionId, ctx.nodeId(), sessionConnectedAt))
        .onComplete(
            ar -> {
              if (closed) {
                return;
              }
              if (ar.succeeded() && !ar.result()) {
                log.debug(
                    "session resumed elsewhere [client: {}, session: {}]",
                    principal.clientId(),
                    sessionId);
                takenOver();
              } else if (ar.failed()) {
                // most likely the owner: sent to reconnect (1001), not told it was taken over
                // (1000, after which a client may stay away); its drop is conditional all the same
                log.info(
                    "closing connection, session ownership unknown [session: {}, cause: {}]",
                    sessionId,
                    ar.cause().getMessage());
                closeWith(CloseCodes.GOING_AWAY, "unavailable");
              }
            });
  }

  /**
   * A connection's open or resume time, strictly increasing on this node: with the node, it is what
   * tells two connections of one session apart (a drop changes the session only if it is still the
   * dropping connection's, see {@code SessionOp.Drop}), and two resumes can come within one
   * millisecond.
   */
  private static long connectedAtNow() {
    return LAST_CONNECTED_AT.updateAndGet(last -> Math.max(System.currentTimeMillis(), last + 1));
  }

  private Future<String> openSession(String resumeId) {
    long now = connectedAtNow();
    sessionConnectedAt = now;
    long leaseUntil = now + ctx.sessionTiming().leaseMs();
    String clientId = principal.clientId();
    if (resumeId != null && !resumeId.isEmpty() && resumeId.length() <= 64) {
      openingSessionId = resumeId;
      return Bus.<Boolean>request(
              bus,
              Addresses.PERSISTENCE_SESSION,
              new SessionOp.Resume(
                  resumeId, clientId, ctx.nodeId(), now, leaseUntil, ctx.sessionTiming().graceMs()))
          .compose(
              resumed -> {
                if (resumed) {
                  // The old connection may still be open (its TCP death unnoticed): close it.
                  bus.publish(
                      Addresses.SESSION_CONTROL,
                      new SessionControl(resumeId, ctx.nodeId(), connectionId));
                  ctx.liveSessions().resumed(resumeId, now);
                  return Future.succeededFuture(resumeId);
                }
                return Bus.<Boolean>request(
                        bus,
                        Addresses.PERSISTENCE_SESSION,
                        new SessionOp.ResumedHereLater(resumeId, clientId, ctx.nodeId(), now))
                    .compose(
                        later ->
                            later
                                ? Future.<String>failedFuture(RESUMED_HERE_LATER)
                                : newSession(clientId, now, leaseUntil));
              });
    }
    return newSession(clientId, now, leaseUntil);
  }

  private Future<String> newSession(String clientId, long now, long leaseUntil) {
    String id = randomId(16);
    openingSessionId = id;
    return Bus.request(
            bus,
            Addresses.PERSISTENCE_SESSION,
            new SessionOp.Open(id, clientId, ctx.nodeId(), now, leaseUntil))
        .map(id);
  }

  private Future<WriteOutcome> refreshPresence() {
    String clientId = principal.clientId();
    return Bus.request(
        bus,
        Addresses.STATE_WRITE,
        new WriteCommand.RefreshPresence(PresenceKeys.of(clientId), clientId));
  }

  // ---- inbound ----

  /**
   * Frame-level faults close the connection with their code (PROTOCOL.md section 5): a frame over
   * maxFrameBytes (Netty's decoder) or a fragmented message over it (Vert.x's aggregator, which
   * reports an IllegalStateException) is 1009, other malformed frames 1002.
   */
  private void onSocketError(Throwable t) {
    if (t instanceof CorruptedWebSocketFrameException corrupted) {
      log.debug("bad frame, closing [connection: {}, cause: {}]", connectionId, t.getMessage());
      closing = true;
      TextFrames.closeNow(ws, (short) corrupted.closeStatus().code(), "bad frame");
    } else if (t instanceof IllegalStateException) {
      log.debug("message too big, closing [connection: {}]", connectionId);
      closing = true;
      TextFrames.closeNow(ws, CloseCodes.TOO_BIG, "message too big");
    } else {
      log.debug("socket error [connection: {}]", connectionId, t);
    }
  }

  private void onText(String text) {
    if (closed || leaving) {
      // going away: reading stopped, and a request read now would come after the goaway
      return;
    }
    heartbeat.activity();
    ctx.metrics().messageReceived();
    Request parsed;
    RequestParser.Rejected invalid = null;
    try {
      parsed = RequestParser.parse(text, JsonDepth.MAX_REQUEST_DEPTH);
    } catch (RequestParser.Rejected r) {
      parsed = null;
      invalid = r;
    }
    Request request = parsed;
    RequestParser.Rejected rejected = invalid;
    ReplySequencer.Slot slot = replies.reserve(request != null ? request.id() : rejected.id());
    applyBackpressure();
    // Every message counts against the rate limits, invalid ones too. Verdicts complete in arrival
    // order, so requests are dispatched in that order.
    rateGate
        .admit(principal.clientId(), text)
        .onComplete(
            ar -> {
              if (closed || closing) {
                return;
              }
              String op = request != null ? request.op() : "invalid";
              if (ar.succeeded() && !ar.result().allowed()) {
                rateLimited(slot, op, ar.result());
              } else if (rejected != null) {
                fail(slot, op, rejected.error());
              } else {
                dispatch(request, slot);
              }
            });
  }

  /** Answers {@code rate_limited}; closes with 4429 when the client keeps on regardless. */
  private void rateLimited(ReplySequencer.Slot slot, String op, RateVerdict verdict) {
    fail(
        slot,
        op,
        new StateException(
            ErrorCode.RATE_LIMITED,
            "rate limit exceeded",
            new JsonObject().put("retryAfterMs", verdict.retryAfterMs())));
    if (verdict.close() && goingAway == null) {
      log.info(
          "closing connection, rate limits exceeded repeatedly [client: {}, connection: {}]",
          principal.clientId(),
          connectionId);
      ctx.metrics().rateLimited(io.stateserver.ratelimit.RejectionKind.ABUSE_CLOSE);
      closeAfterAnswering(CloseCodes.RATE_LIMITED, "rate limits exceeded repeatedly");
    }
  }

  /**
   * Closes with {@code code} once what was read is answered, as a goaway does (see {@link
   * #answerWhatWasRead}): a write read before the verdict that closes the connection may commit,
   * and its answer, like the {@code rate_limited} answers before the close, must not be lost.
   */
  private void closeAfterAnswering(short code, String reason) {
    if (goingAway != null || closing || closed) {
      return;
    }
    goingAway =
        answerWhatWasRead(System.currentTimeMillis() + ctx.config().limits().shutdownGraceMs())
            .compose(
                answered ->
                    closed || closing || ws.isClosed()
                        ? Future.succeededFuture()
                        : closeThenRead(code, reason));
  }

  private void dispatch(Request request, ReplySequencer.Slot slot) {
    Future<?> done;
    try {
      done =
          switch (request.op()) {
            case "get" -> get(request, slot);
            case "set" -> set(request, slot);
            case "patch" -> patch(request, slot);
            case "delete" -> delete(request, slot);
            case "list" -> list(request, slot);
            case "sub" -> subscribe(request, slot);
            case "unsub" -> unsubscribe(request, slot);
            case "ping" -> ping(slot);
            case "auth" -> auth(request, slot);
            default ->
                throw new StateException(
                    ErrorCode.UNKNOWN_OP, "unknown op '" + truncate(request.op()) + "'");
          };
    } catch (StateException e) {
      done = Future.failedFuture(e);
    } catch (RuntimeException e) {
      done = Future.failedFuture(Bus.asStateException(e));
    }
    String op = request.op();
    done.onComplete(
        ar -> {
          if (ar.failed() && ar.cause() == GONE) {
            return; // not run: the connection closed first; nobody to answer, nothing to count
          }
          if (ar.failed()) {
            fail(slot, op, Bus.asStateException(ar.cause()));
          } else {
            ctx.metrics().request(op, "ok");
          }
          // A request without id that succeeded sends nothing, so no flush re-checks the backlog:
          // without this, a client pipelining such requests would stay paused for good.
          applyBackpressure();
        });
  }

  private void fail(ReplySequencer.Slot slot, String op, StateException e) {
    ctx.metrics().request(ctx.metrics().knownOp(op), e.code().wire());
    slot.fail(e);
  }

  // ---- operations ----

  private Future<?> get(Request request, ReplySequencer.Slot slot) {
    String key = Keys.validate(request.requireString("key"));
    checks.readable(principal, key);
    return read(() ->
            Bus.<StoredEntry>request(bus, Addresses.PERSISTENCE_READ, new ReadQuery.Get(key)))
        .onSuccess(
            e ->
                slot.complete(
                    e.exists()
                        ? Frames.okWithRaw(
                            slot.id(),
                            new JsonObject().put("exists", true).put("version", e.version()),
                            "value",
                            e.valueJson())
                        : Frames.ok(
                            slot.id(),
                            new JsonObject()
                                .put("exists", false)
                                .putNull("value")
                                .put("version", 0))));
  }

  private Future<?> set(Request request, ReplySequencer.Slot slot) {
    String key = checks.writableKey(principal, request.requireString("key"));
    Object value = request.anyValue("value");
    FiniteNumbers.require(value, "value");
    String valueJson = Json.encode(value);
    checks.validValue(valueJson);
    Long ifVersion = request.optionalNonNegativeLong("ifVersion");
    boolean ephemeral = request.optionalBoolean("ephemeral");
    Long ttlMs = request.optionalPositiveLong("ttlMs");
    return write(
            new WriteCommand.Set(
                key, valueJson, ifVersion, ephemeral, ttlMs, principal.clientId(), sessionId))
        .onSuccess(
            o ->
                slot.complete(
                    Frames.ok(slot.id(), new JsonObject().put("version", o.entry().version()))));
  }

  private Future<?> patch(Request request, ReplySequencer.Slot slot) {
    String key = checks.writableKey(principal, request.requireString("key"));
    Object patchValue = request.anyValue("patch");
    FiniteNumbers.require(patchValue, "patch");
    String patchJson = Json.encode(patchValue);
    checks.validValue(patchJson);
    Long ifVersion = request.optionalNonNegativeLong("ifVersion");
    return write(new WriteCommand.Patch(key, patchJson, ifVersion, principal.clientId()))
        .onSuccess(
            o ->
                slot.complete(
                    Frames.okWithRaw(
                        slot.id(),
                        new JsonObject().put("version", o.entry().version()),
                        "value",
                        o.entry().valueJson())));
  }

  private Future<?> delete(Request request, ReplySequencer.Slot slot) {
    String key = checks.writableKey(principal, request.requireString("key"));
    Long ifVersion = request.optionalNonNegativeLong("ifVersion");
    return write(new WriteCommand.Delete(key, ifVersion, principal.clientId()))
        .onSuccess(
            o ->
                slot.complete(
                    Frames.ok(slot.id(), new JsonObject().put("version", o.entry().version()))));
  }

  private Future<?> list(Request request, ReplySequencer.Slot slot) {
    KeyPattern pattern = KeyPattern.parse(request.requireString("pattern"));
    checks.readable(principal, pattern);
    int limit = checks.listLimit(request);
    String after = request.optionalString("after");
    if (after != null) {
      Keys.validate(after);
    }
    // a page that would not fit one frame ends early, with "next" after its last entry (the
    // contract's "next" lets a page be short); one entry too big for a frame goes alone
    int budget =
        SnapshotFrames.entryBudget(
            slot.id(),
            ctx.config().limits().maxFrameBytes(),
            // "next", encoded: a key with escaped characters takes up to twice its bytes
            LIST_FRAME_OVERHEAD + 2 * Keys.MAX_KEY_BYTES);
    return read(() ->
            // made per list, not kept: an idle connection pays nothing for it
            new ListPager(
                    scan -> Bus.request(bus, Addresses.PERSISTENCE_READ, scan),
                    ctx.config().limits().maxValueBytes())
                .page(pattern, after, limit, budget))
        .onSuccess(
            page -> {
              JsonObject head = new JsonObject();
              if (page.next() != null) {
                head.put("next", page.next());
              }
              slot.complete(Frames.okWithRaw(slot.id(), head, "entries", page.entriesJson()));
            });
  }

  private Future<?> subscribe(Request request, ReplySequencer.Slot slot) {
    KeyPattern pattern = KeyPattern.parse(request.requireString("pattern"));
    checks.readable(principal, pattern);
    Map<String, Long> known = RequestChecks.knownVersions(request.optionalObject("known"), pattern);
    checks.subscriptionRoom(subscriptions.count());
    // Register first, read second: every change committed after the read is then either held
    // for after the snapshot or newer than it, so nothing falls into a gap.
    Subscriptions.Sub sub = subscriptions.addPending(pattern);
    // One read at a time (see read): snapshot reads started together may land in either order
    // (the pool, paged scans), and a later reply holding an older version of a key than an
    // earlier one would show the client a version going backwards, and leave it there.
    if (slot.id() == null) {
      // No reply on success, so no snapshot: the client is told nothing, and nothing is recorded
      // as given (that would drop changes it never had). Changes stream from now on.
      slot.complete(List.of(), () -> subscriptions.activate(sub));
      return Future.succeededFuture();
    }
    SnapshotFrames frames =
        new SnapshotFrames(
            slot.id(), sub.id(), known, ctx.config().limits().maxFrameBytes(), slot::emit);
    return read(() ->
            new SnapshotReader(
                    scan -> Bus.request(bus, Addresses.PERSISTENCE_READ, scan),
                    ctx.config().limits().maxValueBytes(),
                    ctx.config().limits().maxFrameBytes())
                .read(
                    pattern,
                    rows -> {
                      if (closed || closing) {
                        return gone();
                      }
                      // what add puts in frames reaches the client, even if a later chunk fails
                      // (abort), so it is recorded as given
                      int before = frames.emitted();
                      SnapshotFrames.Given given = frames.add(rows);
                      subscriptions.recordSnapshot(given.versions(), given.unannounced());
                      // read on once the frames it filled are out (none filled: at once)
                      return frames.emitted() == before
                          ? Future.succeededFuture()
                          : repliesTaken(slot);
                    })
                .map(
                    v -> {
                      SnapshotFrames.Given removed = frames.finish();
                      subscriptions.recordSnapshot(removed.versions(), removed.unannounced());
                      slot.complete(List.of(), () -> subscriptions.activate(sub));
                      return null;
                    }))
        .onFailure(
            t -> {
              // what was recorded as given must reach the client, ahead of the error
              frames.abort();
              subscriptions.abandon(sub);
            });
  }

  private Future<?> unsubscribe(Request request, ReplySequencer.Slot slot) {
    String id = request.requireString("sub");
    if (!subscriptions.remove(id)) {
      throw new StateException(ErrorCode.NOT_FOUND, "no subscription '" + truncate(id) + "'");
    }
    slot.complete(Frames.ok(slot.id(), null));
    return Future.succeededFuture();
  }

  private Future<?> ping(ReplySequencer.Slot slot) {
    slot.complete(Frames.ok(slot.id(), new JsonObject().put("time", System.currentTimeMillis())));
    return Future.succeededFuture();
  }

  private Future<?> auth(Request request, ReplySequencer.Slot slot) {
    String token = request.requireString("token");
    // In request order, as a read: a snapshot sent before it has finished, so a subscription
    // unsubscribed before it no longer counts against the new token.
    Future<Principal> verified = ctx.verifier().verify(token);
    return read(() -> verified)
        .compose(
            p -> {
              if (!p.clientId().equals(principal.clientId())) {
                return Future.failedFuture(
                    new StateException(
                        ErrorCode.FORBIDDEN, "token is for another client; reconnect instead"));
              }
              // a narrower token must not leave a subscription streaming what it cannot read
              for (Map.Entry<String, KeyPattern> sub : subscriptions.patterns().entrySet()) {
                if (!ctx.access().canRead(p, sub.getValue())) {
                  return Future.failedFuture(
                      new StateException(
                          ErrorCode.FORBIDDEN,
                          "token does not allow reading subscription "
                              + sub.getKey()
                              + " ("
                              + truncate(sub.getValue().toString())
                              + "); unsub it first"));
                }
              }
              principal = p;
              scheduleExpiry();
              slot.complete(Frames.ok(slot.id(), new JsonObject().put("expiresAt", p.expiresAt())));
              return Future.succeededFuture();
            });
  }

  // ---- helpers for operations ----

  /**
   * A connection's requests take effect in the order it sent them, as a pipelining client expects
   * (a {@code get} sent before a {@code delete} does not see the deletion): reads wait for the
   * writes sent before them (the write barrier) and run one at a time (one snapshot may not be read
   * after a later one, and pipelined scans would hold their rows at once); writes wait for the
   * reads sent before them. Writes sent one after another still pipeline: they are submitted in
   * request order without waiting for each other.
   */
  private <T> Future<T> read(java.util.function.Supplier<Future<T>> op) {
    // nobody waits for the answer of a connection that closed meanwhile
    Future<T> result =
        Future.all(afterWrites(), readBarrier).compose(v -> closed || closing ? gone() : op.get());
    readBarrier = result.otherwiseEmpty();
    return result;
  }

  /** Submitted in request order, after the reads sent before it (see {@link #read}). */
  private Future<WriteOutcome> write(WriteCommand command) {
    Future<WriteOutcome> result;
    if (readBarrier.isComplete() && submitted.isComplete()) {
      result = submit(command);
    } else {
      Promise<Void> done = Promise.promise();
      result =
          Future.all(readBarrier, submitted)
              .compose(
                  v -> {
                    try {
                      // Not once the connection closed or this side began to close it: the client
                      // was not answered, so nothing is lost, while a write that lands later
                      // (reads can take long) could tie an ephemeral key to a session that has
                      // ended, overwrite what the connection that took the session over wrote
                      // since, or write for a client whose access was just withdrawn.
                      return closed || closing ? gone() : submit(command);
                    } finally {
                      done.complete(); // whatever happens, the writes behind it go on
                    }
                  });
      submitted = done.future();
    }
    writeBarrier = result.otherwiseEmpty();
    return result;
  }

  /**
   * Why a resume did not take its session: a connection that connected later resumed it on this
   * node first (resumes on one node succeed in connected-at order). This connection lost the race
   * and closes as taken over, rather than start a second session for the same client.
   */
  private static final StateException RESUMED_HERE_LATER =
      new StateException(ErrorCode.UNAVAILABLE, "the session was resumed by a later connection");

  /** Why a request did not run: its connection closed first (not an error to count). */
  private static final StateException GONE =
      new StateException(ErrorCode.UNAVAILABLE, "the connection closed before this request ran");

  private static <T> Future<T> gone() {
    return Future.failedFuture(GONE);
  }

  private Future<WriteOutcome> submit(WriteCommand command) {
    return Bus.<WriteOutcome>request(bus, Addresses.STATE_WRITE, command)
        .compose(o -> o.succeeded() ? Future.succeededFuture(o) : Future.failedFuture(o.error()));
  }

  private Future<?> afterWrites() {
    return writeBarrier;
  }

  // ---- outbound ----

  /**
   * Delivers a change of a key this connection follows (the index chose this connection).
   *
   * @return true when the change was queued for the client; the caller counts deliveries (once per
   *     change, not per socket: a meter update per delivery was a seventh of fan-out CPU)
   */
  boolean onChange(EncodedChange change) {
    if (closed || sessionId == null) {
      return false;
    }
    if (subscriptions.accept(change)) {
      out.offerChange(change.key(), change.version(), change.frame());
      flush();
      return true;
    }
    return false;
  }

  /** Called by {@link Subscriptions} when held changes are released after a snapshot. */
  void deliverReleased(EncodedChange change) {
    out.offerChange(change.key(), change.version(), change.frame());
    ctx.metrics().changesDelivered(1, change.ts(), change.caughtUp());
    flush();
  }

  private void enqueueReply(Buffer frame) {
    if (closed) {
      return;
    }
    if (!out.offerReply(frame)) {
      if (!closing) { // once: the replies still to come overflow too
        log.warn("reply backlog overflow, closing [connection: {}]", connectionId);
        closeWith(CloseCodes.POLICY_VIOLATION, "reply backlog overflow");
      }
      return;
    }
    flush();
  }

  private void flush() {
    if (closed) {
      return;
    }
    Buffer frame;
    // a backlog written in one go leaves in one send
    writer.hold();
    try {
      while (writer.isWritable() && (frame = out.poll()) != null) {
        writer.write(frame);
      }
    } finally {
      writer.release();
    }
    reportQueue();
    applyBackpressure();
    if (repliesFlushed != null && out.pendingReplies() == 0) {
      Promise<Void> waiting = repliesFlushed;
      repliesFlushed = null;
      waiting.tryComplete();
    }
    if (repliesTaken != null && allTaken(repliesTakenBy)) {
      Promise<Void> waiting = repliesTaken;
      repliesTaken = null;
      repliesTakenBy = null;
      waiting.complete();
    }
  }

  private boolean allTaken(ReplySequencer.Slot slot) {
    return slot.waiting() == 0 && out.pendingReplies() == 0 && writer.isWritable();
  }

  /**
   * Completes once {@code slot}'s frames emitted so far, and every reply before them, have gone to
   * the socket and it takes more: a snapshot reads its next chunk only then, so it holds no more
   * than a chunk however slowly the client reads (the socket's own buffer past that is bounded by
   * its high-water mark). Fails once the connection closes.
   */
  private Future<Void> repliesTaken(ReplySequencer.Slot slot) {
    if (closed) {
      return gone();
    }
    if (allTaken(slot)) {
      return Future.succeededFuture();
    }
    // The conditions change only through flush: a slot's frames reach the queue through
    // enqueueReply, the queue empties and the socket turns writable through flush. One snapshot
    // is read at a time (see read), so one waiter is all there is.
    if (repliesTaken != null) {
      return Future.failedFuture(new IllegalStateException("a snapshot is waiting already"));
    }
    repliesTaken = Promise.promise();
    repliesTakenBy = slot;
    return repliesTaken.future();
  }

  /** Keeps the node's outbound-queue gauges in step with this connection's queue. */
  private void reportQueue() {
    long changes = closed ? 0 : out.pendingChanges();
    long bytes = closed ? 0 : out.pendingBytes();
    ctx.metrics()
        .outboundQueueChanged(changes - reportedPendingChanges, bytes - reportedPendingBytes);
    reportedPendingChanges = changes;
    reportedPendingBytes = bytes;
  }

  /** Replies the client has not taken yet: queued, or still being worked on. */
  private int replyBacklog() {
    return out.pendingReplies() + replies.inFlight();
  }

  /**
   * Stops reading from a client that does not read its replies (or floods requests) and starts
   * again once it has caught up, so one client cannot make the server buffer without bound.
   */
  private void applyBackpressure() {
    int max = ctx.config().limits().maxPendingReplies();
    int backlog = replyBacklog();
    if (!paused && backlog >= max) {
      paused = true;
      ws.pause();
    } else if (paused && backlog <= max / 2 && !leaving) {
      paused = false;
      ws.resume();
    }
  }

  // ---- lifecycle ----

  private void scheduleExpiry() {
    long leewayMs = ctx.config().jwt().leewaySeconds() * 1000L;
    // saturating: a token may carry an exp centuries away, and must not expire at once for it
    long expiresAtMs =
        principal.expiresAt() >= (Long.MAX_VALUE - leewayMs) / 1000
            ? Long.MAX_VALUE
            : principal.expiresAt() * 1000L + leewayMs;
    ctx.deadlines().schedule(this, expiresAtMs - System.currentTimeMillis());
  }

  /** The current token's expiry (plus the configured leeway) passed: close with 4401. */
  @Override
  protected void expired() {
    closeWith(CloseCodes.TOKEN_INVALID, "token expired");
  }

  /**
   * Sends a goaway and closes with 1001 (the node is draining, or the fleet switches over to {@code
   * url}).
   *
   * @return completes once the close frame is written (or the socket was already closed), so that
   *     the caller can close the server without cutting the goaway off
   */
  Future<Void> goAway(String reason, long reconnectMs, String url) {
    return goAway(
        reason,
        reconnectMs,
        url,
        System.currentTimeMillis() + ctx.config().limits().shutdownGraceMs());
  }

  /**
   * As {@link #goAway(String, long, String)}, answering what was read until {@code answerBy} (epoch
   * ms) at most.
   */
  Future<Void> goAway(String reason, long reconnectMs, String url, long answerBy) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(
        v -> {
          if (goingAway != null) {
            goingAway.onComplete(ar -> done.complete());
            return;
          }
          if (closed || closing || ws.isClosed()) {
            done.complete();
            return;
          }
          goingAway =
              answerWhatWasRead(answerBy)
                  .compose(answered -> closeGoingAway(reason, reconnectMs, url));
          goingAway.onComplete(ar -> done.complete());
        });
    return done.future();
  }

  /**
   * Stops reading and completes once every request read so far is answered and its reply handed to
   * the socket, or at {@code answerBy} (a write stuck in the database, a client that does not
   * read): a write that commits while its connection goes away is answered, not left for the client
   * to guess at. Requests not read yet never run.
   */
  private Future<Void> answerWhatWasRead(long answerBy) {
    leaving = true;
    paused = true;
    ws.pause();
    Promise<Void> answered = Promise.promise();
    answeredBeforeGoaway = answered; // a client that closes meanwhile is not waited for
    long timer =
        ctx.vertx()
            .setTimer(
                Math.max(1, answerBy - System.currentTimeMillis()),
                id -> {
                  log.debug(
                      "requests not answered in time, going away [connection: {}, in flight: {}]",
                      connectionId,
                      replyBacklog());
                  answered.tryComplete();
                });
    // after the replies of every slot before it, in request order
    replies
        .reserve(null)
        .complete(
            List.of(),
            () -> {
              if (out.pendingReplies() == 0) {
                answered.tryComplete();
              } else {
                repliesFlushed = answered; // see flush
              }
            });
    return answered.future().onComplete(ar -> ctx.vertx().cancelTimer(timer));
  }

  /** The goaway, then 1001. */
  private Future<Void> closeGoingAway(String reason, long reconnectMs, String url) {
    if (closed || closing || ws.isClosed()) {
      return Future.succeededFuture();
    }
    writer.write(Frames.goaway(reason, reconnectMs, url));
    return closeThenRead(CloseCodes.GOING_AWAY, reason);
  }

  /** Closes; reading again (it stopped to answer what was read), so the client's close is read. */
  private Future<Void> closeThenRead(short code, String reason) {
    Future<Void> close = ws.close(code, reason);
    armCloseDeadline();
    ws.resume();
    return close;
  }

  /**
   * The node's lease ran out (it cannot reach the database): a goaway, then 1001, so that the
   * client resumes its session on another node. Not before its hello (session still opening): the
   * hello must come first, and a session that cannot start closes the connection anyway.
   */
  void leaseLost(String reason, long reconnectMs) {
    context.runOnContext(
        v -> {
          if (sessionId != null) {
            goAway(reason, reconnectMs, null);
          }
        });
  }

  /**
   * The switch-over changed: if one is in force when this runs (the node's view then, not when it
   * was asked: a cancel may have come in between), a goaway with its url, then 1001. Not for an
   * operator (role {@code admin}): the tools that finish a migration ({@code mirror}, {@code
   * compare}) and anyone watching the old deployment go on working there.
   */
  void switchOver() {
    context.runOnContext(
        v -> {
          // Before its hello (session still opening) nothing is sent: the hello must come first,
          // and the start sends the goaway after it, reading the node's view, which is updated
          // on this event loop before this runs.
          if (sessionId != null) {
            goAwayIfSwitchedOver();
          }
        });
  }

  private void goAwayIfSwitchedOver() {
    Switchover.Target target = ctx.switchover().current();
    if (target != null && !principal.isAdmin()) {
      goAway(Switchover.REASON, target.reconnectMs(), target.url());
    }
  }

  /** The session was resumed by a newer connection: close this one without ending the session. */
  void takenOver() {
    context.runOnContext(
        v -> {
          takenOver = true;
          closeWith(CloseCodes.NORMAL, "session resumed elsewhere");
        });
  }

  /**
   * Closes with 4403 if the connection's current principal is denied (client disabled, token
   * revoked).
   */
  void closeIfDenied(java.util.function.Predicate<Principal> denied) {
    context.runOnContext(
        v -> {
          if (!closed && denied.test(principal)) {
            log.info(
                "closing connection, access revoked [client: {}, connection: {}]",
                principal.clientId(),
                connectionId);
            closeWith(CloseCodes.ACCESS_REVOKED, "access revoked");
          }
        });
  }

  void closeWith(short code, String reason) {
    if (!ws.isClosed()) {
      ws.close(code, reason);
    }
    armCloseDeadline();
  }

  /**
   * Ends a close that the peer never lets finish. Vert.x waits for the close frame to be written
   * before it starts its own closing timeout, and a client that stopped reading (a hung device
   * whose kernel still acknowledges) never takes that frame: without this, the idle timeout, a
   * token's expiry or a drain would leave its connection open forever. After {@code pingTimeoutMs}
   * (the time a silent client is given anyway) the TCP connection is closed under Vert.x, which
   * then reports the socket closed as usual.
   */
  private void armCloseDeadline() {
    closing = true;
    if (closed || closeDeadline >= 0) {
      return;
    }
    closeDeadline =
        ctx.vertx()
            .setTimer(
                Math.max(1, ctx.config().http().pingTimeoutMs()),
                id -> {
                  if (!closed) {
                    log.debug("close did not finish, dropping [connection: {}]", connectionId);
                    writer.abort();
                  }
                });
  }

  private void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    heartbeat.stop();
    onClosed.accept(this);
    ctx.metrics().connectionClosed();
    reportQueue();
    ctx.deadlines().cancel(this);
    if (closeDeadline >= 0) {
      ctx.vertx().cancelTimer(closeDeadline);
    }
    subscriptions.clear();
    if (answeredBeforeGoaway != null) {
      answeredBeforeGoaway.tryComplete();
    }
    if (repliesTaken != null) {
      Promise<Void> waiting = repliesTaken;
      repliesTaken = null;
      repliesTakenBy = null;
      waiting.fail(GONE);
    }
    if (sessionId == null) {
      return;
    }
    ctx.liveSessions().remove(sessionId, this);
    // Taken over too: the drop changes nothing if a newer connection holds the session (its
    // connected-at differs), but if this one was the owner after all (two resumes raced, and the
    // older one's notice closed the newer), the session must still end unless resumed.
    recordDrop();
    log.debug("client disconnected [client: {}, session: {}]", principal.clientId(), sessionId);
  }

  /** Marks the session dropped (resumable within the grace) and refreshes presence. */
  private void recordDrop() {
    ctx.liveSessions().closingStarted();
    recordDrop(System.currentTimeMillis(), 0, false);
  }

  /**
   * Records the drop of {@code droppedAt}, again and again while the database cannot be reached: a
   * drop never recorded would leave the session connected for as long as this node renews its
   * lease, its last will never run and its presence online. Safe to repeat: a drop that landed
   * already, or a session resumed meanwhile (its connected-at changed), makes it change nothing.
   * The grace still counts from {@code droppedAt}.
   */
  private void recordDrop(long droppedAt, int attempt, boolean changedBefore) {
    boolean[] changed = {changedBefore};
    Bus.request(
            bus,
            Addresses.PERSISTENCE_SESSION,
            new SessionOp.Drop(sessionId, ctx.nodeId(), sessionConnectedAt, droppedAt))
        .compose(
            dropped -> {
              // an earlier attempt's drop may have landed before its presence update failed
              changed[0] |= Boolean.TRUE.equals(dropped);
              // a takeover's drop that changed nothing leaves the presence as the new
              // connection made it
              return takenOver && !changed[0]
                  ? Future.succeededFuture()
                  : refreshPresence().compose(WriteOutcome::orFailure);
            })
        .onSuccess(v -> ctx.liveSessions().closingFinished())
        .onFailure(
            t -> {
              if (t instanceof StateException e && e.code() == ErrorCode.UNAVAILABLE) {
                long retryMs = DROP_RETRY_MS << Math.min(attempt, DROP_RETRY_DOUBLINGS);
                // once per session: an outage drops thousands, each retried every few seconds
                if (attempt == 0) {
                  log.warn(
                      "session drop or presence update failed, retrying until it succeeds"
                          + " [session: {}, cause: {}]",
                      sessionId,
                      t.getMessage());
                } else {
                  log.debug(
                      "session drop retry failed [session: {}, attempt: {}]", sessionId, attempt);
                }
                context
                    .owner()
                    .setTimer(retryMs, id -> recordDrop(droppedAt, attempt + 1, changed[0]));
              } else {
                ctx.liveSessions().closingFinished();
                log.warn(
                    "session drop or presence update failed [session: {}, cause: {}]",
                    sessionId,
                    t.getMessage());
              }
            });
  }

  private static String truncate(String s) {
    return s.length() > 64 ? s.substring(0, 64) + "..." : s;
  }

  private static String randomId(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
