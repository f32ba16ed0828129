package io.stateserver.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The live heap of a JVM under test, after a full GC, through {@code jcmd}. RSS growth mostly shows
 * how far the heap grew during a connect burst (garbage included), not what a connection keeps;
 * this shows what it keeps. Not a JVM (Mosquitto, NATS): -1.
 */
final class JvmHeap {
  // JDK 17: "garbage-first heap   total 131072K, used 50731K";
  // JDK 25 (and other newer ones): "garbage-first heap   total reserved 2097152K, committed
  // 131072K, used 50731K"
  private static final Pattern USED =
      Pattern.compile("heap\\s+total (?:reserved )?\\d+K, (?:committed \\d+K, )?used (\\d+)K");

  private JvmHeap() {}

  /** The sum over {@code pids} of the heap in use after a full GC, KiB; -1 if any is no JVM. */
  static long liveKib(List<Long> pids) {
    long total = 0;
    for (long pid : pids) {
      long kib = liveKib(pid);
      if (kib < 0) {
        return -1;
      }
      total += kib;
    }
    return total;
  }

  private static long liveKib(long pid) {
    // jcmd attaches with SIGQUIT, which kills a process that is not a JVM (NATS, Mosquitto).
    if (!isJava(pid) || run(pid, "GC.run") == null) {
      return -1;
    }
    String info = run(pid, "GC.heap_info");
    if (info == null) {
      return -1;
    }
    Matcher m = USED.matcher(info);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }

  private static boolean isJava(long pid) {
    return ProcessHandle.of(pid)
        .flatMap(p -> p.info().command())
        .map(command -> Path.of(command).getFileName().toString().equals("java"))
        .orElse(false);
  }

  private static String run(long pid, String command) {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process p =
          new ProcessBuilder(jcmd.toString(), Long.toString(pid), command)
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return null;
      }
      return out;
    } catch (Exception e) {
      return null;
    }
  }
}
