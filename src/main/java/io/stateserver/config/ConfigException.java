package io.stateserver.config;

/**
 * A configuration that cannot be used: a malformed value, an unknown setting, a missing or
 * unreadable file. The message names the setting and where its value came from, so that an operator
 * can fix it without reading code.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
