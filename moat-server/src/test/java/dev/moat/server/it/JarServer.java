package dev.moat.server.it;

import dev.moat.server.JarChild;
import dev.moat.server.JarHttp;
import dev.moat.server.ShadedJar;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.server.TempDirs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The built jar ({@code moat-server/target/moat.jar}, system property {@code moat.jar}) run as a
 * separate process: {@code java -jar moat.jar serve --config <dir>/moat.yaml}, in its own
 * temporary directory (data_dir under it), on a free loopback port. Start waits for /healthz and
 * records how long that took.
 */
final class JarServer extends JarChild {
    static final ObjectMapper JSON = JarHttp.JSON;
    static final String ADMIN_KEY = "it-admin-key-0123456789abcdef";
    static final String CLIENT_KEY = "it-client-key-0123456789abcdef";

    private Process process;
    private long startMillis;

    JarServer(Path dir, int port) {
        super(dir, port, ADMIN_KEY, CLIENT_KEY, Duration.ofSeconds(15));
    }

    /** A fresh directory and a free port. */
    static JarServer create() {
        return new JarServer(TempDirs.create(), freePort());
    }

    /** The limits the suite counts on: login 7 per 5 minutes by IP (the spec's example), nothing else. */
    static final String LOGIN_7_PER_5M = """
            rate_limits:
              preset: none
              client:
                target:
                  login: {max: 7, per: 5m, by: ip}
            """;

    /**
     * A config with the two IT keys (the admin key through ${MOAT_IT_ADMIN_KEY}), this port and
     * data_dir, and {@code extra} appended (top-level sections; null: {@link #LOGIN_7_PER_5M}).
     */
    String standardYaml(String extra) {
        return """
                server:
                  listen: 127.0.0.1:%d
                  api_keys:
                    - {name: ops, key: "${MOAT_IT_ADMIN_KEY}", role: admin}
                    - {name: chat, key: %s, role: client}
                  max_body: 4KB
                store:
                  data_dir: %s
                %s""".formatted(port, CLIENT_KEY, dir.resolve("data"), extra == null ? LOGIN_7_PER_5M : extra);
    }

    /** Starts {@code moat <args>} and returns the process without waiting. */
    Process launch(List<String> args) {
        ProcessBuilder pb = new ProcessBuilder(ShadedJar.command(List.of(), args)).directory(dir.toFile())
                .redirectOutput(dir.resolve("stdout.txt").toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("stderr.txt").toFile()));
        pb.environment().put("MOAT_IT_ADMIN_KEY", ADMIN_KEY);
        pb.environment().remove("MOAT_API_KEY");
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts {@code moat serve --config moat.yaml [extra args]} and waits until /healthz answers; returns the startup time. */
    Duration start(String... extraArgs) {
        List<String> args = new ArrayList<>(List.of("serve", "--config", config.toString()));
        args.addAll(List.of(extraArgs));
        startMillis = System.currentTimeMillis();
        process = launch(args);
        long deadline = startMillis + 30_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("moat exited with " + process.exitValue() + " before answering /healthz:\n"
                        + stderr());
            }
            try {
                if (get("/healthz").status() == 200) {
                    return Duration.ofMillis(System.currentTimeMillis() - startMillis);
                }
            } catch (UncheckedIOException e) {
                // not up yet
            }
            sleep(25);
        }
        throw new IllegalStateException("moat did not answer /healthz within 30 s:\n" + stderr());
    }

    /** SIGKILL without waiting (for shutdown hooks); nothing if never started or already gone. */
    void killNow() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroyForcibly();
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Sends a signal with kill(1): HUP, TERM, ... */
    void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM and wait; returns the exit code. */
    int stop() {
        if (process == null) {
            return -1;
        }
        signal("TERM");
        return awaitExit(process, 30);
    }

    static int awaitExit(Process p, int seconds) {
        try {
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("process did not exit within " + seconds + " s");
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String stderr() {
        try {
            Path p = dir.resolve("stderr.txt");
            return Files.exists(p) ? Files.readString(p) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            signal("TERM");
            if (!process.isAlive()) {
                return;
            }
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }
}
