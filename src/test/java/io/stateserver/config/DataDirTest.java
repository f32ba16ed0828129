package io.stateserver.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirTest {
  @TempDir Path root;

  @Test
  void aDataFolderTheServerMakesIsReadableByItsOwnerOnly() throws Exception {
    Path dir = root.resolve("a/b/data");
    DataDir.ensurePrivate(dir);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");
  }

  @Test
  void anExistingFolderIsLeftAsTheOperatorMadeIt() throws Exception {
    Path dir = Files.createDirectory(root.resolve("data"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x---"));
    DataDir.ensurePrivate(dir);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwxr-x---");
  }

  @Test
  void theFolderMadeForAGeneratedJwtSecretIsPrivate() throws Exception {
    Path dir = root.resolve("fresh");
    ConfigLoader.load(new String[] {"--dataDir=" + dir}, Map.of());
    assertThat(Files.exists(dir.resolve("jwt-secret"))).isTrue();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)))
        .isEqualTo("rwx------");
  }
}
