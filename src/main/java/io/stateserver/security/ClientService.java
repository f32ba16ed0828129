package io.stateserver.security;

import io.stateserver.config.ServerConfig;
import io.stateserver.persistence.Database;
import io.stateserver.protocol.ErrorCode;
import io.stateserver.protocol.StateException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registry operations with their rules: ids and roles are validated, secrets are generated here and
 * only their hashes stored, and every hash computation runs on {@link SecretHashing}'s workers,
 * never on the shared pool the database client uses. Shared by the registry verticle and the {@code
 * client} command-line tool.
 */
public final class ClientService {
  private static final Logger log = LoggerFactory.getLogger(ClientService.class);
  static final int MAX_ROLES = 16;
  static final int MAX_ROLE_CHARS = 64;

  private final Database database;
  private final ClientRegistry registry;
  private final RevocationStore revocations;
  private final SecretHasher hasher;
  private final SecretHashing hashing;
  private final Map<String, ServerConfig.RoleRules> knownRoles;

  public ClientService(
      Vertx vertx,
      Database database,
      SecretHasher hasher,
      Map<String, ServerConfig.RoleRules> roles) {
    this(vertx, database, hasher, roles, () -> {});
  }

  /**
   * @param onHashingRefused told of every secret check refused because the node had as many in
   *     progress as it admits (metrics)
   */
  public ClientService(
      Vertx vertx,
      Database database,
      SecretHasher hasher,
      Map<String, ServerConfig.RoleRules> roles,
      Runnable onHashingRefused) {
    this.database = database;
    this.registry = new ClientRegistry(database.pool());
    this.revocations = new RevocationStore(database.pool());
    this.hasher = hasher;
    this.hashing = SecretHashing.forThisMachine(vertx, onHashingRefused);
    this.knownRoles = roles;
  }

  /** Registers an enabled client with a new random secret, which is returned (and never stored). */
  public Future<RegistryOp.ClientSecret> register(String clientId, List<String> roles) {
    String id;
    List<String> checkedRoles;
    try {
      id = ClientIds.validate(clientId);
      checkedRoles = validateRoles(roles);
    } catch (StateException e) {
      return Future.failedFuture(e);
    }
    String secret = SecretHasher.randomSecret();
    return hash(secret)
        .compose(hash -> registry.insert(id, checkedRoles, hash, System.currentTimeMillis()))
        .compose(this::onDisk)
        .map(info -> new RegistryOp.ClientSecret(id, secret))
        .onSuccess(s -> log.info("client registered [id: {}, roles: {}]", id, checkedRoles));
  }

  /**
   * The client, if the secret is right and it is enabled. An unknown id costs one full hash
   * comparison too, so that it cannot be told from a wrong secret by timing.
   *
   * @return fails {@code unauthorized} for an unknown id or a wrong secret (the same message), or
   *     {@code forbidden} for a disabled client whose secret was right
   */
  public Future<ClientInfo> authenticate(String clientId, String secret) {
    String id = clientId == null ? "" : clientId;
    Future<ClientRegistry.StoredClient> found =
        ClientIds.isValid(id) ? registry.find(id) : Future.succeededFuture(null);
    return found.compose(
        stored ->
            hashing
                .run(
                    () ->
                        stored == null
                            ? hasher.matchesNothing(secret)
                            : hasher.matches(secret, stored.secretHash()))
                .compose(
                    match -> {
                      if (!match || stored == null) {
                        return Future.failedFuture(
                            new StateException(
                                ErrorCode.UNAUTHORIZED, "invalid client credentials"));
                      }
                      if (!stored.info().enabled()) {
                        return Future.failedFuture(
                            new StateException(ErrorCode.FORBIDDEN, "client disabled"));
                      }
                      rehashIfWeak(stored, secret);
                      return Future.succeededFuture(stored.info());
                    }));
  }

  /**
   * Passes {@code result} on once the change is on the disk: an operator who was told a client is
   * disabled or a token revoked must not see it undone by a power loss.
   */
  private <T> Future<T> onDisk(T result) {
    return database.syncToDisk().map(result);
  }

  /**
   * Replaces a hash made with an older, weaker work factor, now that the secret is known, unless
   * the secret was rotated meanwhile (the new hash stays).
   */
  private void rehashIfWeak(ClientRegistry.StoredClient stored, String secret) {
    if (hasher.needsRehash(stored.secretHash())) {
      String id = stored.info().clientId();
      hash(secret)
          .compose(
              h ->
                  registry.replaceSecretHash(
                      id, stored.secretHash(), h, System.currentTimeMillis()))
          .onFailure(t -> log.warn("rehash failed [client: {}, cause: {}]", id, t.getMessage()));
    }
  }

  public Future<List<ClientInfo>> list() {
    return registry.list();
  }

  /** Enables or disables a client; fails {@code not_found} for an unknown id. */
  public Future<Void> setEnabled(String clientId, boolean enabled) {
    if (!ClientIds.isValid(clientId)) {
      return Future.failedFuture(ClientIds.notFound());
    }
    return registry
        .setEnabled(clientId, enabled, System.currentTimeMillis())
        .compose(this::onDisk)
        .onSuccess(v -> log.info("client {} [id: {}]", enabled ? "enabled" : "disabled", clientId));
  }

  /** Gives a client a new random secret; the old one stops working at once. */
  public Future<RegistryOp.ClientSecret> rotateSecret(String clientId) {
    if (!ClientIds.isValid(clientId)) {
      return Future.failedFuture(ClientIds.notFound());
    }
    String secret = SecretHasher.randomSecret();
    return hash(secret)
        .compose(h -> registry.setSecretHash(clientId, h, System.currentTimeMillis()))
        .compose(this::onDisk)
        .map(v -> new RegistryOp.ClientSecret(clientId, secret))
        .onSuccess(s -> log.info("client secret rotated [id: {}]", clientId));
  }

  /**
   * Revokes a token id.
   *
   * @param expiresAt epoch seconds, or {@link RevocationStore#NEVER}
   */
  public Future<Void> revoke(String jti, long expiresAt) {
    if (jti == null || jti.isEmpty() || jti.length() > 256) {
      return Future.failedFuture(StateException.badRequest("jti must be 1-256 characters"));
    }
    return revocations
        .revoke(jti, expiresAt)
        .compose(this::onDisk)
        .onSuccess(v -> log.info("token revoked [jti: {}]", jti));
  }

  /** The deny state in the database (disabled clients, revocations in force). */
  public Future<DenyList.Snapshot> denyState(long nowSeconds) {
    return registry
        .disabledIds()
        .compose(
            disabled ->
                revocations
                    .active(nowSeconds)
                    .map(revoked -> new DenyList.Snapshot(Set.copyOf(disabled), revoked)));
  }

  /** Deletes revocations of tokens expired before {@code beforeSeconds}. */
  public Future<Integer> purgeRevocations(long beforeSeconds) {
    return revocations.purge(beforeSeconds);
  }

  private Future<String> hash(String secret) {
    return hashing.run(() -> hasher.hash(secret));
  }

  private List<String> validateRoles(List<String> roles) {
    if (roles == null || roles.isEmpty() || roles.size() > MAX_ROLES) {
      throw StateException.badRequest("roles must be a list of 1-" + MAX_ROLES + " role names");
    }
    LinkedHashSet<String> distinct = new LinkedHashSet<>();
    for (String role : roles) {
      if (role == null || role.isEmpty() || role.length() > MAX_ROLE_CHARS) {
        throw StateException.badRequest("a role name must be 1-" + MAX_ROLE_CHARS + " characters");
      }
      if (!knownRoles.containsKey(role)) {
        throw StateException.badRequest(
            "unknown role '" + role + "' (configured: " + knownRoles.keySet() + ")");
      }
      distinct.add(role);
    }
    return List.copyOf(new ArrayList<>(distinct));
  }
}
