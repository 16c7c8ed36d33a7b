package dev.moat.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/**
 * How remote commands reach a running server: {@code --url} (default http://127.0.0.1:7878, or
 * MOAT_URL), {@code --key} (or MOAT_API_KEY; never echoed), {@code --timeout}, {@code --json}.
 */
final class Remote {
    static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--url", paramLabel = "URL", defaultValue = "${env:MOAT_URL:-http://127.0.0.1:7878}",
            description = "the server (default: ${DEFAULT-VALUE}; env MOAT_URL)")
    String url;

    @Option(names = "--key", paramLabel = "KEY", defaultValue = "${env:MOAT_API_KEY}",
            description = "API key (default: env MOAT_API_KEY)")
    String key;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "give up after this many seconds (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Option(names = "--json", description = "print the server's JSON answer instead of a table")
    boolean json;

    /** An answer from the server. */
    record Answer(int status, JsonNode body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    Answer call(String method, String path, JsonNode body) {
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        URI uri;
        try {
            uri = URI.create(base + path);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--url is not a URL: " + url);
        }
        HttpRequest.Builder r = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(Math.max(1, timeoutSeconds)))
                .header("Accept", "application/json");
        if (key != null && !key.isBlank()) {
            r.header("Authorization", "Bearer " + key.strip());
        }
        if (body != null) {
            r.header("Content-Type", "application/json");
            r.method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        } else {
            r.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(Math.max(1, timeoutSeconds)))
                .version(HttpClient.Version.HTTP_1_1).build();
        try {
            HttpResponse<String> res = client.send(r.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode parsed = res.body() == null || res.body().isEmpty() ? MissingNode.getInstance()
                    : parse(res.body());
            return new Answer(res.statusCode(), parsed);
        } catch (HttpTimeoutException e) {
            throw new Unreachable("no answer from " + base + " within " + timeoutSeconds + "s", e);
        } catch (ConnectException e) {
            throw new Unreachable("cannot connect to " + base + " (is `moat serve` running?)", e);
        } catch (IOException e) {
            throw new Unreachable("cannot talk to " + base + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted", e);
        }
    }

    private static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            return JSON.getNodeFactory().textNode(s);
        }
    }

    /** Prints a problem answer readably and returns the exit code for it. */
    static int failure(PrintWriter err, Answer a) {
        JsonNode b = a.body();
        String detail = b.path("detail").asText(b.isTextual() ? b.asText() : "HTTP " + a.status());
        err.println("moat: " + a.status() + " " + b.path("title").asText("") + ": " + detail);
        for (JsonNode e : b.path("errors")) {
            err.println("  " + e.path("field").asText() + ": " + e.path("message").asText());
        }
        return ExitCode.forStatus(a.status());
    }

    static String pretty(JsonNode n) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n);
        } catch (IOException e) {
            return n.toString();
        }
    }
}
