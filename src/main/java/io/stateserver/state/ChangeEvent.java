package io.stateserver.state;

/**
 * A committed change of one key, broadcast to every node. Nothing in it depends on a receiver, so
 * each node encodes its change frame once.
 *
 * <p>{@code origin} and {@code seq} number the broadcasts of one node, so that a receiving node can
 * tell that some never arrived ({@code cluster.BroadcastGaps}). They travel inside the change
 * rather than in an envelope so that the wire message keeps its type and codec: a node of the
 * previous release reads the change and ignores the two fields, and a change from such a node
 * arrives unnumbered.
 *
 * @param key the key
 * @param version the new version
 * @param valueJson the new value as JSON text; null when {@code deleted}
 * @param deleted whether this change is a deletion
 * @param ts epoch ms of the commit
 * @param by the writer's {@code sub} claim ({@code $server} for expiry, last will and presence)
 * @param origin the broadcasting node's incarnation (its node id and a random part, new at every
 *     start); null when not broadcast (a row re-read by a catch-up sweep) or from an older node
 * @param seq the origin's broadcast number, 1 for its first and one more for each next; 0 when
 *     {@code origin} is null
 */
public record ChangeEvent(
    String key,
    long version,
    String valueJson,
    boolean deleted,
    long ts,
    String by,
    String origin,
    long seq) {

  /** A change not (yet) numbered for broadcast. */
  public ChangeEvent(
      String key, long version, String valueJson, boolean deleted, long ts, String by) {
    this(key, version, valueJson, deleted, ts, by, null, 0);
  }

  /** This change as broadcast number {@code seq} of {@code origin}. */
  public ChangeEvent numbered(String origin, long seq) {
    return new ChangeEvent(key, version, valueJson, deleted, ts, by, origin, seq);
  }
}
