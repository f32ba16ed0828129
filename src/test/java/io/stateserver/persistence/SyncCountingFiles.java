package io.stateserver.persistence;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.util.concurrent.atomic.AtomicLong;
import org.h2.store.fs.FileBase;
import org.h2.store.fs.FilePath;
import org.h2.store.fs.FilePathWrapper;

/**
 * An H2 file system ({@code jdbc:h2:synccount:/path/db}) over the real disk that counts the times
 * H2 forces a file to the disk, so that a test can see a sync happen, and can make one fail.
 * Everything else goes straight to the disk. Public with a public constructor, because H2 makes an
 * instance per path by reflection.
 */
public final class SyncCountingFiles extends FilePathWrapper {
  static final String SCHEME = "synccount";
  private static final AtomicLong FORCES = new AtomicLong();
  // forces still to pass before the next one fails; negative: none fails
  private static final AtomicLong PASS_BEFORE_FAILURE = new AtomicLong(-1);

  static {
    FilePath.register(new SyncCountingFiles());
  }

  /** H2 makes one instance per path, by reflection. */
  public SyncCountingFiles() {}

  /** Registers the file system (once) and returns the JDBC URL prefix of a database in it. */
  static String urlPrefix() {
    return "jdbc:h2:" + SCHEME + ":";
  }

  /** How many times any file of this file system was forced to the disk. */
  static long forces() {
    return FORCES.get();
  }

  /**
   * Makes one force fail with an I/O error, as a failing disk would, after {@code passing} more
   * forces succeeded.
   */
  static void failOneForceAfter(long passing) {
    PASS_BEFORE_FAILURE.set(passing);
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FileChannel open(String mode) throws IOException {
    return new Counting(getBase().open(mode));
  }

  private static final class Counting extends FileBase {
    private final FileChannel channel;

    Counting(FileChannel channel) {
      this.channel = channel;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      if (PASS_BEFORE_FAILURE.getAndDecrement() == 0) {
        throw new IOException("injected: the disk did not confirm the sync");
      }
      PASS_BEFORE_FAILURE.compareAndSet(-2, -1);
      channel.force(metaData);
      FORCES.incrementAndGet();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return channel.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return channel.write(src, position);
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return channel.read(dst);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      return channel.write(src);
    }

    @Override
    public long position() throws IOException {
      return channel.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      channel.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return channel.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      channel.truncate(size);
      return this;
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return channel.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      channel.close();
    }
  }
}
