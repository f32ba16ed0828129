package io.stateserver.connection;

import io.stateserver.protocol.KeyPattern;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps patterns to subscribers so that finding who follows a changed key costs in proportion to the
 * key's length and the matching subscriptions, not to all subscriptions.
 *
 * <p>A pattern without wildcards sits in one hash map by its key: a fleet's devices mostly follow
 * exact keys, and there a trie would cost a node and a map per segment of every key (about 300
 * bytes per subscribed key, tuning log 25) and a substring per segment of every lookup. Patterns
 * with wildcards sit in a trie over segments: a literal segment is a child by name, {@code +} is
 * one extra child, and the subscribers of a pattern ending in {@code #} sit on the node of the
 * segments before it. A lookup follows at most the literal child and the {@code +} child at each
 * depth.
 *
 * <p>Registrations are counted: adding the same (pattern, subscriber) pair twice takes two removes
 * to undo. That way two subscriptions of one connection to the same pattern stay independent.
 *
 * <p>Not thread-safe: one instance belongs to one event loop.
 *
 * @param <T> the subscriber, e.g. a connection; compared with {@code equals}/{@code hashCode}
 */
public final class SubscriptionIndex<T> {
  private final Map<String, Map<T, Integer>> exactKeys = new HashMap<>();
  private final Node<T> root = new Node<>();
  private int size;

  /** Registers {@code subscriber} for keys matching {@code pattern}. */
  public void add(KeyPattern pattern, T subscriber) {
    size++;
    if (pattern.isExact()) {
      exactKeys.compute(pattern.text(), (key, counts) -> increment(counts, subscriber));
      return;
    }
    Node<T> node = root;
    List<String> segments = pattern.segments();
    int last = segments.size() - 1;
    for (int i = 0; i <= last; i++) {
      String segment = segments.get(i);
      if (i == last && segment.equals(KeyPattern.MULTI)) {
        node.multi = increment(node.multi, subscriber);
        return;
      }
      node = node.child(segment);
    }
    node.exact = increment(node.exact, subscriber);
  }

  /**
   * Removes one registration of the pair and prunes the nodes it leaves empty.
   *
   * @return whether the pair was registered
   */
  public boolean remove(KeyPattern pattern, T subscriber) {
    boolean removed =
        pattern.isExact()
            ? removeExact(pattern.text(), subscriber)
            : remove(root, pattern.segments(), 0, subscriber);
    if (removed) {
      size--;
    }
    return removed;
  }

  private boolean removeExact(String key, T subscriber) {
    Map<T, Integer> counts = exactKeys.get(key);
    if (!decrement(counts, subscriber)) {
      return false;
    }
    if (counts.isEmpty()) {
      exactKeys.remove(key);
    }
    return true;
  }

  private boolean remove(Node<T> node, List<String> segments, int index, T subscriber) {
    if (index == segments.size()) {
      return decrement(node.exact, subscriber) && prune(node);
    }
    String segment = segments.get(index);
    if (index == segments.size() - 1 && segment.equals(KeyPattern.MULTI)) {
      return decrement(node.multi, subscriber) && prune(node);
    }
    Node<T> child =
        segment.equals(KeyPattern.SINGLE)
            ? node.single
            : node.literals == null ? null : node.literals.get(segment);
    if (child == null || !remove(child, segments, index + 1, subscriber)) {
      return false;
    }
    if (child.isEmpty()) {
      if (child == node.single) {
        node.single = null;
      } else {
        node.literals.remove(segment);
        if (node.literals.isEmpty()) {
          node.literals = null;
        }
      }
    }
    return true;
  }

  /** Drops a node's emptied subscriber maps; always true, to chain after a successful removal. */
  private static <T> boolean prune(Node<T> node) {
    if (node.exact != null && node.exact.isEmpty()) {
      node.exact = null;
    }
    if (node.multi != null && node.multi.isEmpty()) {
      node.multi = null;
    }
    return true;
  }

  /**
   * Adds to {@code out} every subscriber with at least one pattern that matches {@code key} (a
   * valid key). A subscriber with several matching patterns is added once, since {@code out} is a
   * set. Patterns whose first segment is a wildcard are skipped for keys beginning with {@code $}.
   */
  public void collect(String key, Set<T> out) {
    if (size == 0) {
      return;
    }
    Map<T, Integer> exact = exactKeys.get(key);
    if (exact != null) {
      out.addAll(exact.keySet());
    }
    if (root.isEmpty()) {
      return; // no pattern with a wildcard
    }
    if (!key.startsWith("$")) {
      collect(root, key, 0, out);
      return;
    }
    // '$' keys: at the top level only the literal child applies, never '+' or '#'.
    int end = segmentEnd(key, 0);
    Node<T> child = root.literal(key, 0, end);
    if (child != null) {
      collect(child, key, end + 1, out);
    }
  }

  /** Collects below {@code node}, where {@code pos} starts the key's next segment. */
  private void collect(Node<T> node, String key, int pos, Set<T> out) {
    if (node.multi != null) {
      out.addAll(node.multi.keySet());
    }
    if (pos > key.length()) {
      if (node.exact != null) {
        out.addAll(node.exact.keySet());
      }
      return;
    }
    int end = segmentEnd(key, pos);
    Node<T> literal = node.literal(key, pos, end);
    if (literal != null) {
      collect(literal, key, end + 1, out);
    }
    if (node.single != null) {
      collect(node.single, key, end + 1, out);
    }
  }

  private static int segmentEnd(String key, int pos) {
    int end = key.indexOf('/', pos);
    return end < 0 ? key.length() : end;
  }

  /** The number of registrations, counting a pair added twice as two. */
  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** The number of keys with exact-pattern subscribers; for tests of pruning. */
  int exactKeyCount() {
    return exactKeys.size();
  }

  /** The number of trie nodes, the root included; for tests of pruning. */
  int nodeCount() {
    return root.count();
  }

  private static <T> Map<T, Integer> increment(Map<T, Integer> counts, T subscriber) {
    Map<T, Integer> map = counts == null ? new HashMap<>(2) : counts;
    map.merge(subscriber, 1, Integer::sum);
    return map;
  }

  private static <T> boolean decrement(Map<T, Integer> counts, T subscriber) {
    if (counts == null) {
      return false;
    }
    Integer count = counts.get(subscriber);
    if (count == null) {
      return false;
    }
    if (count == 1) {
      counts.remove(subscriber);
    } else {
      counts.put(subscriber, count - 1);
    }
    return true;
  }

  private static final class Node<T> {
    Map<String, Node<T>> literals;
    Node<T> single;
    Map<T, Integer> exact; // patterns that end at this node
    Map<T, Integer> multi; // patterns that end with '#' right below this node

    Node<T> child(String segment) {
      if (segment.equals(KeyPattern.SINGLE)) {
        if (single == null) {
          single = new Node<>();
        }
        return single;
      }
      if (literals == null) {
        literals = new HashMap<>(4);
      }
      return literals.computeIfAbsent(segment, s -> new Node<>());
    }

    Node<T> literal(String key, int start, int end) {
      return literals == null ? null : literals.get(key.substring(start, end));
    }

    int count() {
      int n = 1;
      if (single != null) {
        n += single.count();
      }
      if (literals != null) {
        for (Node<T> child : literals.values()) {
          n += child.count();
        }
      }
      return n;
    }

    boolean isEmpty() {
      return literals == null && single == null && exact == null && multi == null;
    }
  }
}
