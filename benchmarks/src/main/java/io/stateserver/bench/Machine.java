package io.stateserver.bench;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the numbers were measured on: cores, memory, load, fd limit. */
final class Machine {
  private Machine() {}

  static JsonObject describe() {
    return new JsonObject()
        .put("cores", Runtime.getRuntime().availableProcessors())
        .put("memTotal", line("/proc/meminfo", "MemTotal:"))
        .put("loadAverage", read("/proc/loadavg").trim())
        .put("maxOpenFiles", openFileLimit())
        .put("java", System.getProperty("java.version"))
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
  }

  /** This process's soft RLIMIT_NOFILE; children inherit it. */
  static long openFileLimit() {
    String limit = line("/proc/self/limits", "Max open files");
    try {
      return Long.parseLong(limit.replaceAll("\\s+", " ").split(" ")[3]);
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private static String line(String file, String prefix) {
    for (String l : read(file).split("\n")) {
      if (l.startsWith(prefix)) {
        return l.trim();
      }
    }
    return "";
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (Exception e) {
      return "";
    }
  }
}
