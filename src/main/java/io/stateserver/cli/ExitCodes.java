package io.stateserver.cli;

/** Exit codes of the client tools. */
public final class ExitCodes {

  /** The server answered {@code ok: true}. */
  public static final int OK = 0;

  /** The server answered with an error reply (code and message printed to stderr). */
  public static final int ERROR_REPLY = 1;

  /** The command line was wrong (usage printed to stderr). */
  public static final int USAGE = 2;

  /**
   * No answer: could not connect, the upgrade was refused (e.g. 401), the connection closed, or a
   * reply did not come in time.
   */
  public static final int CONNECTION = 3;

  /** {@code compare} found the two states different (the differences printed to stdout). */
  public static final int DIFFERENT = 4;

  private ExitCodes() {}
}
