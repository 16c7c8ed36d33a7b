package dev.moat.server.admin;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The page's files, read from the jar once at start (the server turns off Vert.x's class-path file
 * resolution, and a fixed list means no path from a URL ever reaches a file lookup). Each is served
 * with its content type, a strong ETag, and {@code Cache-Control: no-cache}: browsers keep a copy
 * but revalidate it (a cheap 304), so an upgraded server never runs a stale script.
 */
final class StaticAssets {
    static final String RESOURCE_DIR = "/admin/";

    record Asset(String name, String contentType, Buffer body, String etag) {
    }

    private final Map<String, Asset> byName = new LinkedHashMap<>();

    StaticAssets() {
        add("index.html", "text/html; charset=utf-8");
        add("admin.js", "text/javascript; charset=utf-8");
        add("admin.css", "text/css; charset=utf-8");
        add("favicon.svg", "image/svg+xml");
    }

    private void add(String name, String contentType) {
        byte[] bytes = read(RESOURCE_DIR + name);
        byName.put(name, new Asset(name, contentType, Buffer.buffer(bytes), etag(bytes)));
    }

    Asset get(String name) {
        return byName.get(name);
    }

    Map<String, Asset> all() {
        return byName;
    }

    /** Answers with {@code asset}: 304 when the browser's copy is current. */
    static void serve(RoutingContext ctx, Asset asset) {
        var res = ctx.response();
        SecurityHeaders.page(res);
        res.putHeader("Cache-Control", "no-cache").putHeader("ETag", asset.etag());
        String match = ctx.request().getHeader("If-None-Match");
        if (match != null && matches(match, asset.etag())) {
            res.setStatusCode(304).end();
            return;
        }
        res.putHeader("Content-Type", asset.contentType()).end(asset.body());
    }

    static boolean matches(String ifNoneMatch, String etag) {
        for (String candidate : ifNoneMatch.split(",")) {
            String c = candidate.strip();
            if (c.startsWith("W/")) {
                c = c.substring(2);
            }
            if (c.equals(etag) || c.equals("*")) {
                return true;
            }
        }
        return false;
    }

    private static byte[] read(String resource) {
        try (InputStream in = StaticAssets.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String etag(byte[] bytes) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "\"" + HexFormat.of().formatHex(d, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String utf8(Asset a) {
        return new String(a.body().getBytes(), StandardCharsets.UTF_8);
    }
}
