package dev.moat.server.reliability;

import dev.moat.server.JarChild;
import dev.moat.server.JarHttp;
import dev.moat.server.ShadedJar;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.server.TempDirs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * The shaded jar ({@code moat.jar}, system property set by failsafe) run as a child process for
 * the fault and secrets tests: {@code java [jvm args] -jar moat.jar serve --config <dir>/moat.yaml},
 * in its own temporary directory, on a free loopback port. Its stdout and stderr are read through
 * pipes (not files, so that a file-size limit put on the process for the full-disk test does not
 * stop its logging) into {@link #lines()}: every line the process ever wrote, across restarts.
 */
final class MoatProcess extends JarChild {
    static final ObjectMapper JSON = JarHttp.JSON;
    static final String ADMIN_KEY = "rel-admin-key-0123456789abcdef";
    static final String CLIENT_KEY = "rel-client-key-0123456789abcdef";

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private Process process;

    MoatProcess() {
        super(TempDirs.create(), freePort(), ADMIN_KEY, CLIENT_KEY, Duration.ofSeconds(20));
    }

    Path dataDir() {
        return dir.resolve("data");
    }

    /** Keys (the admin key through ${MOAT_REL_ADMIN_KEY}), this port, data_dir, then {@code extra}. */
    String yaml(String extra) {
        return yaml("", extra);
    }

    /** As {@link #yaml(String)}, with {@code storeLines} (indented YAML) added under {@code store:}. */
    String yaml(String storeLines, String extra) {
        return """
                server:
                  listen: 127.0.0.1:%d
                  api_keys:
                    - {name: ops, key: "${MOAT_REL_ADMIN_KEY}", role: admin}
                    - {name: chat, key: %s, role: client}
                store:
                  data_dir: %s
                %s%s""".formatted(port, CLIENT_KEY, dataDir(), storeLines, extra);
    }


    /** Starts {@code serve} and waits until /healthz answers 200; returns how long that took. */
    Duration start(Map<String, String> env, String... jvmArgs) {
        List<String> jvm = new ArrayList<>(List.of("-Xmx256m"));
        jvm.addAll(List.of(jvmArgs));
        ProcessBuilder pb = new ProcessBuilder(ShadedJar.command(jvm, List.of("serve", "--config", config.toString()))).directory(dir.toFile());
        pb.environment().put("MOAT_REL_ADMIN_KEY", ADMIN_KEY);
        pb.environment().putAll(env);
        long t0 = System.currentTimeMillis();
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        drain(process.getInputStream(), "out");
        drain(process.getErrorStream(), "err");
        long deadline = t0 + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("moat exited with " + process.exitValue() + " before /healthz:\n" + log());
            }
            try {
                if (get("/healthz").status() == 200) {
                    return Duration.ofMillis(System.currentTimeMillis() - t0);
                }
            } catch (UncheckedIOException e) {
                // not listening yet
            }
            sleep(50);
        }
        throw new IllegalStateException("moat did not answer /healthz within 60 s:\n" + log());
    }

    private void drain(InputStream in, String stream) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // the process is gone
            }
        }, "moat-" + stream + "-" + port);
        t.setDaemon(true);
        t.start();
    }

    /** Every line the process has written to stdout or stderr so far, across restarts. */
    List<String> lines() {
        return List.copyOf(lines);
    }

    String log() {
        return String.join("\n", lines);
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no flush, nothing. */
    void kill9() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("moat survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGTERM and wait; the exit code. */
    int stop() {
        if (process == null || !process.isAlive()) {
            return process == null ? -1 : process.exitValue();
        }
        process.destroy();
        try {
            if (!process.waitFor(40, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("moat did not stop within 40 s of SIGTERM");
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Runs a command and returns its exit code (prlimit, chattr, kill). */
    static int run(String... cmd) {
        return ShadedJar.run(cmd);
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
