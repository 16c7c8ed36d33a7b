package dev.moat.server.safety;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.core.content.ModerationClient;
import dev.moat.core.content.ModerationResult;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/*
 * How it works and why.
 *
 * One POST to an OpenAI-compatible /v1/moderations endpoint per message: {"model", "input"},
 * the input being the text, or a list when the message has several parts (as LibreChat sends
 * it). The message is flagged when any result says "flagged": true; the categories that are true
 * are kept for the log. Every failure — connect error, timeout, non-2xx status, an answer that is
 * not the expected JSON, an answer larger than 1 MiB — is UNAVAILABLE, never an exception, and
 * the engine then fails closed or open as configured. The whole call, connect included, is
 * bounded by the configured timeout. The API key goes only into the Authorization header; no
 * error message ever contains it.
 */

/** The moderation client: OpenAI's API or anything that speaks it. */
public final class OpenAiModerationClient implements ModerationClient {
    private static final int MAX_RESPONSE_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    private final HttpClient http;
    private final URI url;
    private final String apiKey;
    private final String model;
    private final Duration timeout;

    public OpenAiModerationClient(String url, String apiKey, String model, long timeoutMillis) {
        this.url = URI.create(url);
        if (!"http".equals(this.url.getScheme()) && !"https".equals(this.url.getScheme())) {
            throw new IllegalArgumentException("moderation.url must be http or https, was '" + url + "'");
        }
        this.apiKey = apiKey == null ? "" : apiKey;
        this.model = model;
        this.timeout = Duration.ofMillis(timeoutMillis);
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @Override
    public ModerationResult moderate(List<String> inputs) {
        if (inputs.isEmpty()) {
            return ModerationResult.notFlagged();
        }
        ObjectNode body = JSON.createObjectNode();
        if (model != null && !model.isEmpty()) {
            body.put("model", model);
        }
        if (inputs.size() == 1) {
            body.put("input", inputs.get(0));
        } else {
            ArrayNode arr = body.putArray("input");
            inputs.forEach(arr::add);
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(url).timeout(timeout)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
        if (!apiKey.isEmpty()) {
            req.header("authorization", "Bearer " + apiKey);
        }
        HttpResponse<InputStream> resp;
        try {
            resp = http.sendAsync(req.build(), HttpResponse.BodyHandlers.ofInputStream())
                    .get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return ModerationResult.unavailable("moderation timed out after " + timeout.toMillis() + "ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ModerationResult.unavailable("interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            return ModerationResult.unavailable(c instanceof HttpTimeoutException ? "moderation timed out"
                    : "moderation unreachable: " + c.getClass().getSimpleName());
        }
        try (InputStream in = resp.body()) {
            byte[] bytes = in.readNBytes(MAX_RESPONSE_BYTES + 1);
            if (resp.statusCode() / 100 != 2) {
                return ModerationResult.unavailable("moderation answered HTTP " + resp.statusCode());
            }
            if (bytes.length > MAX_RESPONSE_BYTES) {
                return ModerationResult.unavailable("moderation answer larger than 1 MiB");
            }
            return interpret(JSON.readTree(bytes));
        } catch (JsonProcessingException e) {
            return ModerationResult.unavailable("moderation answer is not JSON");
        } catch (IOException e) {
            return ModerationResult.unavailable("moderation answer could not be read: " + e.getClass().getSimpleName());
        }
    }

    static ModerationResult interpret(JsonNode root) {
        JsonNode results = root == null ? null : root.get("results");
        if (results == null || !results.isArray() || results.isEmpty()) {
            return ModerationResult.unavailable("moderation answer has no results");
        }
        boolean flagged = false;
        Set<String> categories = new TreeSet<>();
        for (JsonNode r : results) {
            JsonNode f = r.get("flagged");
            if (f == null || !f.isBoolean()) {
                return ModerationResult.unavailable("moderation result without a boolean 'flagged'");
            }
            if (f.booleanValue()) {
                flagged = true;
                JsonNode cats = r.get("categories");
                if (cats != null && cats.isObject()) {
                    for (Iterator<Map.Entry<String, JsonNode>> it = cats.fields(); it.hasNext(); ) {
                        Map.Entry<String, JsonNode> e = it.next();
                        if (e.getValue().isBoolean() && e.getValue().booleanValue() && categories.size() < 64) {
                            categories.add(e.getKey().length() > 64 ? e.getKey().substring(0, 64) : e.getKey());
                        }
                    }
                }
            }
        }
        return flagged ? ModerationResult.flagged(categories) : ModerationResult.notFlagged();
    }
}
