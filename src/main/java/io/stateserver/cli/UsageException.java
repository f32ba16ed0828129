package io.stateserver.cli;

/** The command line is wrong; the tool prints the message and its usage and exits 2. */
final class UsageException extends Exception {

  UsageException(String message) {
    super(message);
  }
}
