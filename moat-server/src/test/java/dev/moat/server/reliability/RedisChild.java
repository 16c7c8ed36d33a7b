package dev.moat.server.reliability;

import dev.moat.server.TempDirs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A {@code redis-server} child process for the fault tests (the end-to-end suite's helper is
 * package-private to its package): a free loopback port, append-only file with fsync always (as
 * docs/redis.md recommends), killed with SIGKILL and started again on the same port and directory.
 */
final class RedisChild implements AutoCloseable {
    private static final String BINARY = System.getenv().getOrDefault("MOAT_REDIS_SERVER", "redis-server");

    final int port = MoatProcess.freePort();
    private final Path dir = TempDirs.create();
    private Process process;

    RedisChild start() {
        try {
            process = new ProcessBuilder(BINARY, "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "yes", "--appendfsync", "always", "--dir", dir.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long deadline = System.currentTimeMillis() + 20_000;
        while (!ping()) {
            if (!process.isAlive() || System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("redis-server did not answer PING (exit or timeout) on " + port);
            }
            MoatProcess.sleep(20);
        }
        return this;
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    boolean ping() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[7];
            return in.readNBytes(buf, 0, 7) == 7 && new String(buf, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGKILL, and wait until it is gone. */
    void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        kill();
    }
}
