package dev.moat.bench.relay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Time the hypervisor has taken from this guest's cores so far: the {@code steal} column of the
 * {@code cpu} line of /proc/stat (ticks of 10 ms, USER_HZ 100, summed over cores). A benchmark
 * reads it before and after a phase to say how much of a tail was the host's.
 */
final class Steal {
    private static final Path STAT = Path.of("/proc/stat");
    private static final long MILLIS_PER_TICK = 10;

    private Steal() {
    }

    /** Steal so far in ms, or -1 where /proc/stat cannot be read (not Linux). */
    static long millis() {
        try {
            for (String line : Files.readAllLines(STAT)) {
                if (line.startsWith("cpu ")) {
                    String[] f = line.trim().split("\\s+");
                    return f.length > 8 ? Long.parseLong(f[8]) * MILLIS_PER_TICK : -1; // user nice system idle iowait irq softirq steal
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
