package io.stateserver.ratelimit;

/**
 * Asks whether a client may send one more message of {@code bytes} bytes now. Local-only.
 *
 * @param clientId the client's id (its budget is shared by all its connections)
 * @param bytes the message size
 */
public record RateCheck(String clientId, int bytes) {}
