package io.stateserver.support;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Heap in use after garbage collection, read in-process through the {@link MemoryMXBean}: what the
 * in-JVM server (and the test) really hold, not garbage waiting to be collected.
 */
public final class HeapProbe {
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private HeapProbe() {}

  /** Bytes of heap used after a few collections (the lowest reading, to skip late garbage). */
  public static long usedAfterGc() {
    long lowest = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      MEMORY.gc();
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      lowest = Math.min(lowest, MEMORY.getHeapMemoryUsage().getUsed());
    }
    return lowest;
  }

  public static String mb(long bytes) {
    return String.format("%.1f MB", bytes / (1024.0 * 1024.0));
  }
}
