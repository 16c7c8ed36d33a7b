package dev.moat.server.gateway;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A response head, assembled line by line as bytes arrive: each byte is looked at once, the current line is
 * the only thing kept besides the parsed status and headers, and the whole head is bounded.
 */
final class ResponseHead {
    private final int maxBytes;
    private int bytesRead;
    private byte[] line = new byte[128];
    private int lineLength;
    private boolean sawCr;
    private int status = -1;
    private final List<Map.Entry<String, String>> headers = new ArrayList<>();

    ResponseHead(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    int status() {
        return status;
    }

    List<Map.Entry<String, String>> headers() {
        return headers;
    }

    int bytesRead() {
        return bytesRead;
    }

    /** Reads bytes [from, to) of buf; returns the index just past the blank line that ends the head, or -1 if it goes on. */
    int feed(ByteBuf buf, int from, int to) {
        for (int i = from; i < to; i++) {
            if (++bytesRead > maxBytes) {
                throw new UpstreamUpgrade.HandshakeFailure("the upstream's response head is longer than " + UpstreamUpgrade.MAX_HEAD_BYTES
                        + " bytes (any 1xx heads before it included)");
            }
            byte b = buf.getByte(i);
            if (b == '\n') {
                if (endLine()) {
                    return i + 1;
                }
            } else if (sawCr) {
                throw new UpstreamUpgrade.HandshakeFailure("the upstream's response head has a CR not followed by LF");
            } else if (b == '\r') {
                sawCr = true;
            } else if (b == 0) {
                throw new UpstreamUpgrade.HandshakeFailure("the upstream's response head contains a NUL byte");
            } else {
                if (lineLength == line.length) {
                    line = Arrays.copyOf(line, Math.min(line.length * 2, maxBytes));
                }
                line[lineLength++] = b;
            }
        }
        return -1;
    }

    /** Returns true when the line just ended is the blank line that ends the head. */
    private boolean endLine() {
        String text = new String(line, 0, lineLength, StandardCharsets.ISO_8859_1);
        lineLength = 0;
        sawCr = false;
        if (status < 0) {
            status = statusOf(text);
            return false;
        }
        if (text.isEmpty()) {
            return true;
        }
        char first = text.charAt(0);
        if (first == ' ' || first == '\t') {
            throw new UpstreamUpgrade.HandshakeFailure("the upstream's response head folds a header over lines (obs-fold), "
                    + "which HTTP/1.1 forbids: " + UpstreamUpgrade.printable(text));
        }
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw new UpstreamUpgrade.HandshakeFailure("the upstream's response head has a line without ':': " + UpstreamUpgrade.printable(text));
        }
        String name = text.substring(0, colon);
        if (!UpstreamUpgrade.isToken(name)) {
            throw new UpstreamUpgrade.HandshakeFailure("the upstream's response head has an invalid header name "
                    + UpstreamUpgrade.printable(name));
        }
        headers.add(Map.entry(name, trimOws(text, colon + 1)));
        return false;
    }

    private static int statusOf(String text) {
        boolean version = text.startsWith("HTTP/1.1 ") || text.startsWith("HTTP/1.0 ");
        if (!version || text.length() < 12 || (text.length() > 12 && text.charAt(12) != ' ')) {
            throw new UpstreamUpgrade.HandshakeFailure("the upstream did not answer with an HTTP/1.x status line: "
                    + UpstreamUpgrade.printable(text));
        }
        int status = 0;
        for (int i = 9; i < 12; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw new UpstreamUpgrade.HandshakeFailure("the upstream's status line has no three-digit status: "
                        + UpstreamUpgrade.printable(text));
            }
            status = status * 10 + (c - '0');
        }
        if (status < 100 || status > 599) {
            throw new UpstreamUpgrade.HandshakeFailure("the upstream's status " + status + " is outside 100-599");
        }
        return status;
    }

    private static String trimOws(String s, int from) {
        int start = from;
        int end = s.length();
        while (start < end && (s.charAt(start) == ' ' || s.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
            end--;
        }
        return s.substring(start, end);
    }
}
