package dev.moat.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.moat.core.limit.LimitSpec;
import dev.moat.core.policy.By;
import dev.moat.core.policy.ConcurrencyConfig;
import dev.moat.core.policy.LimitConfig;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.RateLimits;
import dev.moat.core.policy.RealmLimits;
import dev.moat.server.config.ApiKey;
import dev.moat.server.config.MoatConfig;
import dev.moat.server.config.ServerSettings;
import dev.moat.server.config.StoreSettings;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A server started in the test JVM on a free loopback port, with its config built in code. The
 * config it reloads to is whatever {@link #nextConfig} holds (or the exception it is set to throw).
 */
public final class TestServer implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final String ADMIN_KEY = "admin-key-0123456789abcdef";
    public static final String CLIENT_KEY = "client-key-0123456789abcdef";

    public final AtomicReference<Object> nextConfig = new AtomicReference<>();
    public final MoatServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestServer(MoatConfig config) throws Exception {
        nextConfig.set(config);
        ConfigSource source = () -> {
            Object next = nextConfig.get();
            if (next instanceof dev.moat.server.config.ConfigException e) {
                throw e;
            }
            return (MoatConfig) next;
        };
        this.server = MoatServer.start(source, config);
    }

    public static TestServer open() throws Exception {
        return new TestServer(config(List.of(), policy(), 64 * 1024));
    }

    public static TestServer withKeys() throws Exception {
        return new TestServer(config(keys(), policy(), 64 * 1024));
    }

    /**
     * The limits the tests count on, independent of how the presets evolve: preset none, plus
     * login 7 per 5 minutes by IP (the spec's example) and message 40 per minute by IP and by user.
     */
    public static MoatPolicy policy() {
        return MoatPolicy.defaults().withRateLimits(RateLimits.fromPreset("none", limits(Map.of()), null, List.of()));
    }

    /** The test limits of {@link #policy()} with {@code concurrent} added. */
    public static RealmLimits limits(Map<String, ConcurrencyConfig> concurrent) {
        return new RealmLimits(Map.of(
                "login", List.of(LimitConfig.of(LimitSpec.gcra(7, 300_000), By.IP)),
                "message", List.of(LimitConfig.of(LimitSpec.gcra(40, 60_000), By.IP),
                        LimitConfig.of(LimitSpec.gcra(40, 60_000), By.USER))), Map.of(), concurrent);
    }

    public static TestServer of(MoatConfig c) throws Exception {
        return new TestServer(c);
    }

    public static List<ApiKey> keys() {
        return List.of(new ApiKey("ops", ADMIN_KEY, ApiKey.Role.ADMIN), new ApiKey("chat", CLIENT_KEY, ApiKey.Role.CLIENT));
    }

    public static MoatConfig config(List<ApiKey> keys, MoatPolicy policy, long maxBody) {
        return new MoatConfig(new ServerSettings("127.0.0.1", 0, keys, List.of(), maxBody, false), store(), policy, null,
                null, "test-1");
    }

    /** The embedded default's stores with data_dir in a fresh temporary directory (deleted when the JVM exits). */
    public static StoreSettings store() {
        return new StoreSettings("memory", TempDirs.create().toString(), 100_000, null);
    }

    public String url() {
        return "http://127.0.0.1:" + server.port();
    }

    /** One answer: status, headers, body parsed as JSON when it is JSON. */
    public record Res(int status, HttpResponse<String> raw, JsonNode json) {
        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        public String contentType() {
            return header("content-type");
        }
    }

    public Res call(String method, String path, String body, String key) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(10));
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        if (body != null) {
            r.header("Content-Type", "application/json");
            r.method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            r.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            HttpResponse<String> res = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode json = MissingNode.getInstance();
            String ct = res.headers().firstValue("content-type").orElse("");
            if (ct.contains("json") && !res.body().isEmpty()) {
                json = JSON.readTree(res.body());
            }
            return new Res(res.statusCode(), res, json);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Res post(String path, String body) {
        return call("POST", path, body, null);
    }

    public Res get(String path) {
        return call("GET", path, null, null);
    }

    @Override
    public void close() {
        server.close();
    }
}
