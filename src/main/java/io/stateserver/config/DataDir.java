package io.stateserver.config;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The data folder, made readable by its owner only when the server makes it: it holds the embedded
 * database (every value, and the registered clients' secret hashes) and the generated JWT secret,
 * whose files the database and the JVM create with the process's umask (often world-readable). A
 * folder that already exists is the operator's, and left as it is.
 */
public final class DataDir {
  private DataDir() {}

  /** Creates {@code dir} (and missing parents) if it does not exist, the last level as 0700. */
  public static void ensurePrivate(Path dir) {
    if (Files.isDirectory(dir)) {
      return;
    }
    try {
      Path parent = dir.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (Files.getFileAttributeView(parent, PosixFileAttributeView.class) != null) {
        Files.createDirectory(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectory(dir);
      }
    } catch (FileAlreadyExistsException e) {
      // made meanwhile by another process (the token tool next to a starting server)
    } catch (IOException e) {
      throw new ConfigException("cannot create the data folder " + dir, e);
    }
  }
}
