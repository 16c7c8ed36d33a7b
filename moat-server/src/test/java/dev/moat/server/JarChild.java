package dev.moat.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What every test that runs the shaded jar as a child process shares: its own directory with
 * {@code moat.yaml}, a loopback port, two API keys and an HTTP client for them. Subclasses decide
 * how the process is started, logged and stopped (the integration suite logs to files; the fault
 * suite reads pipes, so that a file-size limit on the process does not stop its logging).
 */
public abstract class JarChild implements AutoCloseable {
    public final Path dir;
    public final Path config;
    public final int port;
    private final String adminKey;
    private final String clientKey;
    private final JarHttp http;

    protected JarChild(Path dir, int port, String adminKey, String clientKey, Duration requestTimeout) {
        this.dir = dir;
        this.config = dir.resolve("moat.yaml");
        this.port = port;
        this.adminKey = adminKey;
        this.clientKey = clientKey;
        this.http = new JarHttp(url(), requestTimeout);
    }

    public static int freePort() {
        return ShadedJar.freePort();
    }

    public static void sleep(long millis) {
        ShadedJar.pause(millis);
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** Writes {@code moat.yaml}. */
    public void writeConfig(String yaml) {
        try {
            Files.writeString(config, yaml, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public JarHttp.Answer call(String method, String path, String body, String key) {
        return call(method, path, body, key, Map.of());
    }

    public JarHttp.Answer call(String method, String path, String body, String key, Map<String, String> headers) {
        return http.call(method, path, body, key, headers);
    }

    public JarHttp.Answer get(String path) {
        return call("GET", path, null, null);
    }

    public JarHttp.Answer admin(String method, String path, String body) {
        return call(method, path, body, adminKey);
    }

    public JarHttp.Answer client(String method, String path, String body) {
        return call(method, path, body, clientKey);
    }
}
