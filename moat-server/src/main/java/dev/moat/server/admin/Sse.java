package dev.moat.server.admin;

/**
 * Server-sent events framing (the WHATWG {@code text/event-stream} format). A value can never
 * break out of its field: data is split into one {@code data:} line per line of text (so a
 * newline in the data cannot start a new field or end the event early), and names and ids, which
 * have no multi-line form, lose any CR or LF.
 */
public final class Sse {
    public static final String CONTENT_TYPE = "text/event-stream; charset=utf-8";

    private Sse() {
    }

    /** One event: {@code id}, {@code event} (omitted when null) and {@code data}, ended by a blank line. */
    public static String event(String id, String event, String data) {
        StringBuilder b = new StringBuilder(64 + (data == null ? 0 : data.length()));
        if (id != null) {
            b.append("id: ").append(oneLine(id)).append('\n');
        }
        if (event != null) {
            b.append("event: ").append(oneLine(event)).append('\n');
        }
        String d = data == null ? "" : data;
        int start = 0;
        for (int i = 0; i <= d.length(); i++) {
            if (i == d.length() || d.charAt(i) == '\n' || d.charAt(i) == '\r') {
                b.append("data: ").append(d, start, i).append('\n');
                if (i < d.length() && d.charAt(i) == '\r' && i + 1 < d.length() && d.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        return b.append('\n').toString();
    }

    /** A comment line (ignored by clients; keeps idle connections and proxies alive). */
    public static String comment(String text) {
        return ": " + oneLine(text) + "\n\n";
    }

    /** The reconnection delay the client should use. */
    public static String retry(long millis) {
        return "retry: " + Math.max(0, millis) + "\n\n";
    }

    static String oneLine(String s) {
        if (s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
            return s;
        }
        return s.replace("\r", "").replace("\n", "");
    }
}
