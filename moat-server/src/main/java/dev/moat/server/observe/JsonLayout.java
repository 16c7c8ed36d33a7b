package dev.moat.server.observe;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import ch.qos.logback.core.LayoutBase;
import org.slf4j.event.KeyValuePair;

import java.time.Instant;
import java.util.List;

/**
 * One JSON object per log line: {@code ts}, {@code level}, {@code logger}, then the event's
 * SLF4J key-values as top-level fields (numbers and booleans unquoted), then {@code msg}, and
 * {@code error} with the stack trace when there is one. No dependency beyond logback.
 */
public final class JsonLayout extends LayoutBase<ILoggingEvent> {
    private static final int MAX_STACK_LINES = 60;

    @Override
    public String doLayout(ILoggingEvent e) {
        StringBuilder sb = new StringBuilder(256);
        sb.append("{\"ts\":\"");
        timestamp(sb, e.getTimeStamp());
        sb.append('"');
        sb.append(",\"level\":\"").append(e.getLevel()).append('"');
        sb.append(",\"logger\":");
        string(sb, e.getLoggerName());
        List<KeyValuePair> kvs = e.getKeyValuePairs();
        if (kvs != null) {
            for (KeyValuePair kv : kvs) {
                if (kv.key == null || kv.value == null) {
                    continue;
                }
                sb.append(',');
                string(sb, kv.key);
                sb.append(':');
                value(sb, kv.value);
            }
        }
        sb.append(",\"msg\":");
        string(sb, e.getFormattedMessage());
        IThrowableProxy t = e.getThrowableProxy();
        if (t != null) {
            sb.append(",\"error\":");
            string(sb, stackTrace(t));
        }
        sb.append("}\n");
        return sb.toString();
    }

    /** The second last formatted, and its text without the {@code Z} (only the appender's thread lays out). */
    private long keptSecond = Long.MIN_VALUE;
    private String keptText;

    /**
     * {@code Instant.ofEpochMilli(millis).toString()}, character for character ({@code ...:42.123Z},
     * or {@code ...:42Z} on a whole second), with the date and time formatted once per second: the
     * formatter was a good part of the cost of an audit line, and a flood of refusals writes
     * thousands of lines per second.
     */
    void timestamp(StringBuilder sb, long millis) {
        long second = Math.floorDiv(millis, 1000);
        int ms = (int) Math.floorMod(millis, 1000);
        String text;
        synchronized (this) {
            if (second != keptSecond) {
                String full = Instant.ofEpochSecond(second).toString();
                keptText = full.substring(0, full.length() - 1);
                keptSecond = second;
            }
            text = keptText;
        }
        sb.append(text);
        if (ms != 0) {
            sb.append('.').append((char) ('0' + ms / 100)).append((char) ('0' + ms / 10 % 10)).append((char) ('0' + ms % 10));
        }
        sb.append('Z');
    }

    private static void value(StringBuilder sb, Object v) {
        if (v instanceof Boolean || v instanceof Integer || v instanceof Long || v instanceof Short) {
            sb.append(v);
        } else if (v instanceof Double d && Double.isFinite(d)) {
            if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                sb.append(d.longValue());
            } else {
                sb.append(d);
            }
        } else {
            string(sb, String.valueOf(v));
        }
    }

    private static String stackTrace(IThrowableProxy t) {
        StringBuilder sb = new StringBuilder();
        int lines = 0;
        for (IThrowableProxy p = t; p != null && lines < MAX_STACK_LINES; p = p.getCause()) {
            if (p != t) {
                sb.append("Caused by: ");
            }
            sb.append(p.getClassName()).append(": ").append(p.getMessage()).append('\n');
            for (StackTraceElementProxy s : p.getStackTraceElementProxyArray()) {
                if (++lines > MAX_STACK_LINES) {
                    break;
                }
                sb.append("\tat ").append(s.getStackTraceElement()).append('\n');
            }
        }
        return sb.toString();
    }

    /** A JSON string with every control character and the line separators escaped. */
    static void string(StringBuilder sb, String s) {
        if (s == null) {
            sb.append("null");
            return;
        }
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029 || c == 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
