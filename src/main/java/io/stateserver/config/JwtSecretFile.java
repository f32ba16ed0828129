package io.stateserver.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HS256 secret kept in the data folder when none is configured: generated once (48 random
 * bytes, base64url) and reused by every later start and by the {@code token} tool, so that tokens
 * survive restarts.
 */
final class JwtSecretFile {
  static final String FILE_NAME = "jwt-secret";

  private static final Logger log = LoggerFactory.getLogger(JwtSecretFile.class);
  private static final int GENERATED_BYTES = 48;

  private JwtSecretFile() {}

  /** Reads the secret from {@code <dataDir>/jwt-secret}, creating it first if it does not exist. */
  static String readOrCreate(Path dataDir) {
    Path file = dataDir.resolve(FILE_NAME);
    try {
      if (!Files.exists(file)) {
        create(dataDir, file);
      }
      String secret = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (secret.getBytes(StandardCharsets.UTF_8).length < ServerConfig.Jwt.MIN_SECRET_BYTES) {
        throw new ConfigException(
            "the jwt secret in "
                + file
                + " is shorter than "
                + ServerConfig.Jwt.MIN_SECRET_BYTES
                + " bytes; replace it or delete the file to have a new one generated");
      }
      return secret;
    } catch (IOException e) {
      throw new ConfigException("cannot read or create the jwt secret file " + file, e);
    }
  }

  private static void create(Path dataDir, Path file) throws IOException {
    DataDir.ensurePrivate(dataDir);
    byte[] random = new byte[GENERATED_BYTES];
    new SecureRandom().nextBytes(random);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);

    // Write to a private temporary file and move it into place, so that a concurrent reader (the
    // token tool next to a starting server) never sees a half-written secret.
    Path tmp = Files.createTempFile(dataDir, FILE_NAME, ".tmp");
    try {
      restrictToOwner(tmp);
      Files.writeString(tmp, secret + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, file);
      log.info("generated a new jwt secret [file: {}]", file);
    } catch (FileAlreadyExistsException e) {
      // Another process won the race; its secret is the one to use.
      log.debug("jwt secret created concurrently, using the existing one [file: {}]", file);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static void restrictToOwner(Path path) throws IOException {
    if (Files.getFileAttributeView(path, java.nio.file.attribute.PosixFileAttributeView.class)
        != null) {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
    }
  }
}
