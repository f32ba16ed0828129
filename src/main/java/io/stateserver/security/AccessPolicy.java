package io.stateserver.security;

import io.stateserver.config.ConfigException;
import io.stateserver.config.ServerConfig;
import io.stateserver.protocol.KeyPattern;
import io.stateserver.protocol.Keys;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Who may read and write what (PROTOCOL.md section 6). Each role grants read and write patterns in
 * which {@code ${sub}} stands for the client's id; a request is allowed when its key or pattern
 * lies wholly inside one granted pattern of one of the principal's roles. The role {@code admin}
 * may do everything, except that no client writes the server's own {@code $} keys.
 *
 * <p>A client id is substituted as a literal: when it holds '/', '+', '#' or a control character,
 * or would make a pattern start with '$', the rule it is substituted into grants nothing, so an odd
 * client id can never widen its access to other clients' keys.
 */
public final class AccessPolicy {
  static final String ADMIN = "admin";
  static final String SUB = "${sub}";

  private final Map<String, Rules> roles;

  private record Rules(List<List<String>> read, List<List<String>> write) {}

  /**
   * @throws ConfigException when a role's pattern is malformed
   */
  public AccessPolicy(Map<String, ServerConfig.RoleRules> roles) {
    Map<String, Rules> parsed = new LinkedHashMap<>();
    roles.forEach(
        (role, rules) ->
            parsed.put(
                role,
                new Rules(
                    templates(role, "read", rules.read()),
                    templates(role, "write", rules.write()))));
    this.roles = Map.copyOf(parsed);
  }

  /** Whether the principal may {@code list} or {@code sub} to every key the pattern matches. */
  public boolean canRead(Principal principal, KeyPattern pattern) {
    return principal.isAdmin() || granted(principal, Rules::read, pattern.segments());
  }

  /** Whether the principal may {@code get} the (valid) key. */
  public boolean canReadKey(Principal principal, String key) {
    return principal.isAdmin() || granted(principal, Rules::read, segments(key));
  }

  /** Whether the principal may {@code set}, {@code patch} or {@code delete} the (valid) key. */
  public boolean canWrite(Principal principal, String key) {
    if (Keys.isSystem(key)) {
      return false;
    }
    return principal.isAdmin() || granted(principal, Rules::write, segments(key));
  }

  private boolean granted(
      Principal principal, Function<Rules, List<List<String>>> side, List<String> requested) {
    for (String role : principal.roles()) {
      Rules rules = roles.get(role);
      if (rules == null) {
        continue;
      }
      for (List<String> template : side.apply(rules)) {
        List<String> granted = substitute(template, principal.clientId());
        if (granted != null && PatternContainment.contains(granted, requested)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The template with the client id put in, or null when the result would not be a sound grant. */
  static List<String> substitute(List<String> template, String clientId) {
    List<String> out = null;
    for (int i = 0; i < template.size(); i++) {
      String segment = template.get(i);
      if (!segment.contains(SUB)) {
        continue;
      }
      String literal = segment.replace(SUB, clientId);
      boolean templateNamesSystemKeys = segment.startsWith("$") && !segment.startsWith(SUB);
      if (!isLiteralSegment(literal)
          || (i == 0 && literal.startsWith("$") && !templateNamesSystemKeys)) {
        return null;
      }
      if (out == null) {
        out = new ArrayList<>(template);
      }
      out.set(i, literal);
    }
    return out == null ? template : out;
  }

  private static boolean isLiteralSegment(String segment) {
    if (segment.isEmpty()) {
      return false;
    }
    for (int k = 0; k < segment.length(); k++) {
      char c = segment.charAt(k);
      if (c == '/' || c == '+' || c == '#' || Character.isISOControl(c)) {
        return false;
      }
    }
    return true;
  }

  private static List<String> segments(String key) {
    return Arrays.asList(key.split("/", -1));
  }

  private static List<List<String>> templates(String role, String side, List<String> patterns) {
    List<List<String>> out = new ArrayList<>(patterns.size());
    for (String pattern : patterns) {
      out.add(List.copyOf(validTemplate(role, side, pattern)));
    }
    return List.copyOf(out);
  }

  private static List<String> validTemplate(String role, String side, String pattern) {
    List<String> segments = segments(pattern);
    for (int i = 0; i < segments.size(); i++) {
      String s = segments.get(i);
      boolean wildcardInside =
          !PatternContainment.isWildcard(s) && (s.contains("+") || s.contains("#"));
      boolean anyNotLast = s.equals(PatternContainment.ANY) && i != segments.size() - 1;
      if (s.isEmpty() || wildcardInside || anyNotLast) {
        throw new ConfigException(
            "invalid pattern \"" + pattern + "\" in roles." + role + "." + side);
      }
    }
    return segments;
  }
}
