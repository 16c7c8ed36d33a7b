package dev.moat.bench.relay;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The relay benchmarks' arguments, in order and each optional:
 * {@code [connections=16] [window=32] [phaseSeconds=5] [ratePerSecond=10000] [dir]} (a temporary
 * directory when no dir is given; created either way).
 */
record RelayArgs(int connections, int window, int phaseSeconds, int rate, Path dir) {
    static RelayArgs parse(String[] args, String tempPrefix) throws IOException {
        int connections = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int window = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int phaseSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int rate = args.length > 3 ? Integer.parseInt(args[3]) : 10_000;
        Path dir = args.length > 4 ? Path.of(args[4]) : Files.createTempDirectory(tempPrefix);
        Files.createDirectories(dir);
        return new RelayArgs(connections, window, phaseSeconds, rate, dir);
    }

    long phaseMillis() {
        return phaseSeconds * 1000L;
    }
}
