package dev.moat.sqlite;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The syncer acknowledges a batch only after a flush succeeded, and nothing at all after one failed. */
class WalSyncerTest {
    @TempDir
    Path dir;

    /** A caller's side of a committed write. */
    private static final class Waiting implements WalSyncer.Waiter {
        final CompletableFuture<String> done = new CompletableFuture<>();

        @Override
        public void acknowledge() {
            done.complete("durable");
        }

        @Override
        public void fail(Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    private final List<String> health = new CopyOnWriteArrayList<>();
    private final List<Boolean> flushes = new CopyOnWriteArrayList<>();

    private WalSyncer syncer(FileChannel wal) {
        return new WalSyncer(wal, new GroupCommitWriter.Health() {
            @Override
            public void committed() {
                health.add("ok");
            }

            @Override
            public void failed(String what, Throwable cause) {
                health.add("failed: " + what);
            }
        }, flushes::add, "wal-syncer-test");
    }

    @Test
    void acknowledgesEveryBatchAfterAFlush() throws Exception {
        Path file = Files.createFile(dir.resolve("moat.db-wal"));
        try (FileChannel wal = FileChannel.open(file, StandardOpenOption.WRITE)) {
            WalSyncer s = syncer(wal);
            Waiting a = new Waiting();
            Waiting b = new Waiting();
            Waiting c = new Waiting();
            s.hand(List.of(a, b));
            s.hand(List.of(c));
            s.stop();
            assertThat(a.done.get(5, TimeUnit.SECONDS)).isEqualTo("durable");
            assertThat(b.done.get(5, TimeUnit.SECONDS)).isEqualTo("durable");
            assertThat(c.done.get(5, TimeUnit.SECONDS)).isEqualTo("durable");
            assertThat(flushes).as("the writer is told once per batch").containsExactly(true, true);
            assertThat(health).isNotEmpty().allMatch("ok"::equals);
            assertThat(s.broken()).isNull();
        }
    }

    @Test
    void afterAFailedFlushNothingIsAcknowledgedAnyMore() throws Exception {
        Path file = Files.createFile(dir.resolve("moat.db-wal"));
        FileChannel wal = FileChannel.open(file, StandardOpenOption.WRITE);
        wal.close(); // force() now fails, as a flush on a failing disk would
        WalSyncer s = syncer(wal);
        Waiting first = new Waiting();
        s.hand(List.of(first));
        assertThatThrownBy(() -> first.done.get(5, TimeUnit.SECONDS)).hasRootCauseInstanceOf(
                java.nio.channels.ClosedChannelException.class);
        assertThat(s.broken()).hasMessageContaining("fsync of the write-ahead log failed");

        Waiting later = new Waiting();
        s.hand(List.of(later));
        s.stop();
        assertThatThrownBy(() -> later.done.get(5, TimeUnit.SECONDS)).hasCauseReference(s.broken());
        assertThat(health).containsExactly("failed: fsync of the write-ahead log");
        assertThat(flushes).containsExactly(false, false);
    }
}
