package io.stateserver.protocol;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/** Decodes one text frame into a {@link Request}, or says precisely why it cannot. */
public final class RequestParser {
  private RequestParser() {}

  /** Thrown for a frame that is not a request; carries the id when the frame had a usable one. */
  public static final class Rejected extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Object id;
    private final StateException error;

    Rejected(Object id, StateException error) {
      super(error.getMessage(), null, false, false);
      this.id = id;
      this.error = error;
    }

    public Object id() {
      return id;
    }

    public StateException error() {
      return error;
    }
  }

  /**
   * @throws Rejected for malformed JSON, a non-object, a bad {@code id} or a missing {@code op}
   */
  public static Request parse(String text, int maxNestingDepth) {
    // A frame nested too deeply is still parsed (Jackson itself stops at 1000 levels) so that
    // its refusal carries its id: a request with an id always gets a reply with that id.
    boolean tooDeep = JsonDepth.exceeds(text, maxNestingDepth);
    JsonObject body;
    try {
      body = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new Rejected(
          null,
          StateException.badRequest(
              tooDeep ? "json nested too deeply" : "frame is not a json object"));
    }
    // a whole number written with an exponent or a fraction is judged as written, not as a double
    WholeNumbers.readExactly(text, body);
    Object rawId = body.getValue("id");
    Object id = null;
    if (rawId instanceof String s) {
      id = s;
    } else if (rawId != null) {
      id = Request.asWholeNumber(rawId);
      if (id == null || !(rawId instanceof Number)) {
        throw new Rejected(
            null, StateException.badRequest("field 'id' must be a string or integer"));
      }
    }
    if (tooDeep) {
      throw new Rejected(
          id,
          StateException.badRequest(
              "json nested too deeply (at most " + maxNestingDepth + " levels)"));
    }
    Object op = body.getValue("op");
    if (!(op instanceof String opName)) {
      throw new Rejected(
          id,
          StateException.badRequest(
              op == null ? "field 'op' is required" : "field 'op' must be a string"));
    }
    return new Request(opName, id, body);
  }
}
