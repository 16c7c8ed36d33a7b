package dev.moat.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * A real HTTP client for a Moat running as a child process (the shaded jar): requests with an
 * optional bearer key and JSON body, answers with their status, headers and parsed JSON.
 */
public final class JarHttp {
    public static final ObjectMapper JSON = new ObjectMapper();

    /** An HTTP answer; {@code json} is missing unless the content type is JSON. */
    public record Answer(int status, HttpResponse<String> raw, JsonNode json) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }

        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        public String contentType() {
            return header("content-type");
        }

        public String body() {
            return raw.body();
        }
    }

    private final String baseUrl;
    private final Duration requestTimeout;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public JarHttp(String baseUrl, Duration requestTimeout) {
        this.baseUrl = baseUrl;
        this.requestTimeout = requestTimeout;
    }

    /** Sends the request; an {@link UncheckedIOException} when nothing answers. */
    public Answer call(String method, String path, String body, String key, Map<String, String> headers) {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(requestTimeout);
        if (key != null) {
            r.header("Authorization", "Bearer " + key);
        }
        headers.forEach(r::header);
        if (body != null) {
            r.header("Content-Type", "application/json");
            r.method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            r.method(method, HttpRequest.BodyPublishers.noBody());
        }
        try {
            HttpResponse<String> res = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
            String ct = res.headers().firstValue("content-type").orElse("");
            JsonNode json = ct.contains("json") && !res.body().isEmpty() ? JSON.readTree(res.body()) : MissingNode.getInstance();
            return new Answer(res.statusCode(), res, json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
