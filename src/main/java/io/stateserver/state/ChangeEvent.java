package io.stateserver.state;

/**
 * A committed change of one key, broadcast to every node. Nothing in it depends on a receiver, so
 * each node encodes its change frame once.
 *
 * @param key the key
 * @param version the new version
 * @param valueJson the new value as JSON text; null when {@code deleted}
 * @param deleted whether this change is a deletion
 * @param ts epoch ms of the commit
 * @param by the writer's {@code sub} claim ({@code $server} for expiry, last will and presence)
 */
public record ChangeEvent(
    String key, long version, String valueJson, boolean deleted, long ts, String by) {}
