package dev.moat.server.it;

import dev.moat.server.TempDirs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real {@code redis-server} for moat-server's tests (moat-server cannot see moat-redis's test
 * helper): a free loopback port, its own temporary directory, and either no persistence
 * ({@link #start}) or an append-only file with fsync always, as docs/redis.md recommends
 * ({@link #startDurable}, for the fault tests). It can be killed with SIGKILL and started again on
 * the same port and directory. Every one started is killed by a JVM shutdown hook if a test
 * forgets. {@code MOAT_REDIS_SERVER} names another binary.
 */
public final class RedisProcess implements AutoCloseable {
    private static final String BINARY = System.getenv().getOrDefault("MOAT_REDIS_SERVER", "redis-server");
    private static final List<RedisProcess> LIVE = new CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(RedisProcess::kill), "redis-it-cleanup"));
    }

    public final int port;
    final Path dir;
    private final boolean durable;
    private volatile Process process;

    private RedisProcess(int port, Path dir, boolean durable) {
        this.port = port;
        this.dir = dir;
        this.durable = durable;
    }

    /** No persistence: a restart after {@link #kill} starts empty. */
    public static RedisProcess start() {
        return started(false);
    }

    /** Append-only file, fsync always: every acknowledged write survives {@link #kill}. */
    public static RedisProcess startDurable() {
        return started(true);
    }

    private static RedisProcess started(boolean durable) {
        RedisProcess r = new RedisProcess(JarServer.freePort(), TempDirs.create(), durable);
        LIVE.add(r);
        r.launch();
        return r;
    }

    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Starts the process (again, on the same port after {@link #kill}) and waits for PONG. */
    public void launch() {
        List<String> command = new ArrayList<>(List.of(BINARY, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--dir", dir.toString()));
        command.addAll(durable ? List.of("--appendonly", "yes", "--appendfsync", "always") : List.of("--appendonly", "no"));
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long deadline = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + ": " + log());
            }
            if (ping()) {
                return;
            }
            JarServer.sleep(20);
        }
        throw new IllegalStateException("redis-server did not answer PING within 20 s: " + log());
    }

    public boolean ping() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[7];
            int n = in.readNBytes(buf, 0, 7);
            return n == 7 && new String(buf, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGKILL, and wait until the process is gone. */
    public void kill() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    String log() {
        try {
            Path p = dir.resolve("redis.log");
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        kill();
        LIVE.remove(this);
    }
}
