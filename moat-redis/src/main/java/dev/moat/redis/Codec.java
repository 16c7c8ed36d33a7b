package dev.moat.redis;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.ban.LogEntry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Bans and log entries as Redis hashes, stream fields and JSON. */
final class Codec {
    private Codec() {
    }

    // ---- bans ---------------------------------------------------------------------------------

    static List<String> banFields(Ban b) {
        return List.of("subject", b.subject(), "reason", b.reason(), "type", b.type(), "source", b.source().wire(),
                "created", Long.toString(b.createdAtMillis()), "expires", Long.toString(b.expiresAtMillis()),
                "count", Long.toString(b.violationCount()), "actor", b.actor());
    }

    /** A ban from its hash, or null when the hash is empty or damaged. */
    static Ban banFromHash(Map<String, String> h) {
        if (h == null || h.isEmpty()) {
            return null;
        }
        try {
            return new Ban(h.get("subject"), h.get("reason"), h.get("type"), BanSource.fromWire(h.getOrDefault("source", "manual")),
                    Long.parseLong(h.get("created")), Long.parseLong(h.get("expires")),
                    Long.parseLong(h.getOrDefault("count", "0")), h.get("actor"));
        } catch (RuntimeException e) {
            return null;
        }
    }

    static Map<String, Object> banJson(Ban b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subject", b.subject());
        m.put("reason", b.reason());
        m.put("type", b.type());
        m.put("source", b.source().wire());
        m.put("created_at_ms", b.createdAtMillis());
        m.put("expires_at_ms", b.expiresAtMillis());
        m.put("violation_count", b.violationCount());
        m.put("actor", b.actor());
        return m;
    }

    static Ban banFromJson(Map<String, Object> m) {
        return new Ban(Json.str(m, "subject"), Json.str(m, "reason"), Json.str(m, "type"),
                BanSource.fromWire(Json.str(m, "source")), Json.lng(m, "created_at_ms"), Json.lng(m, "expires_at_ms"),
                Json.lng(m, "violation_count"), Json.str(m, "actor"));
    }

    // ---- log entries --------------------------------------------------------------------------

    static List<String> entryFields(LogEntry e) {
        List<String> f = new ArrayList<>(20 + 2 * e.facts().size());
        f.addAll(List.of("kind", e.kind().wire(), "type", e.type(), "score", Double.toString(e.score()),
                "total", Double.toString(e.total()), "at", Long.toString(e.atMillis()), "ban", e.banStarted() ? "1" : "0",
                "detail", e.detail(), "actor", e.actor()));
        for (Map.Entry<String, String> fact : e.facts().entrySet()) {
            f.add("f." + fact.getKey());
            f.add(fact.getValue());
        }
        return f;
    }

    static LogEntry entryFromFields(String subject, Map<String, String> f) {
        long seq = Long.parseLong(f.getOrDefault("seq", "0"));
        Map<String, String> facts = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : f.entrySet()) {
            if (e.getKey().startsWith("f.") && e.getKey().length() > 2) {
                facts.put(e.getKey().substring(2), e.getValue());
            }
        }
        return new LogEntry(seq, subject, LogEntry.Kind.fromWire(f.getOrDefault("kind", "violation")), f.get("type"),
                parseDouble(f.get("score")), parseDouble(f.get("total")), Long.parseLong(f.getOrDefault("at", "0")),
                "1".equals(f.get("ban")), f.get("detail"), f.get("actor"), facts);
    }

    private static double parseDouble(String s) {
        return s == null ? 0 : Double.parseDouble(s);
    }

    static Map<String, Object> entryJson(LogEntry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subject", e.subject());
        m.put("kind", e.kind().wire());
        m.put("type", e.type());
        m.put("score", e.score());
        m.put("total", e.total());
        m.put("at_ms", e.atMillis());
        m.put("ban", e.banStarted());
        m.put("detail", e.detail());
        m.put("actor", e.actor());
        m.put("facts", new LinkedHashMap<String, Object>(e.facts()));
        return m;
    }

    static LogEntry entryFromJson(Map<String, Object> m) {
        Map<String, String> facts = new LinkedHashMap<>();
        Object f = m.get("facts");
        if (f instanceof Map<?, ?> fm) {
            fm.forEach((k, v) -> facts.put(String.valueOf(k), String.valueOf(v)));
        }
        return new LogEntry(0, Json.str(m, "subject"), LogEntry.Kind.fromWire(Json.str(m, "kind")), Json.str(m, "type"),
                Json.dbl(m, "score"), Json.dbl(m, "total"), Json.lng(m, "at_ms"), Boolean.TRUE.equals(m.get("ban")),
                Json.str(m, "detail"), Json.str(m, "actor"), facts);
    }

    // ---- stream ids as cursors -----------------------------------------------------------------

    /** The largest stream id strictly before {@code id} ("ms-n"), or null when there is none. */
    static String idBefore(String id) {
        int dash = id.indexOf('-');
        long ms;
        long n;
        try {
            if (dash <= 0) {
                throw new NumberFormatException();
            }
            ms = Long.parseLong(id.substring(0, dash));
            n = Long.parseUnsignedLong(id.substring(dash + 1));
        } catch (NumberFormatException e) {
            throw RedisStateStore.malformed(id);
        }
        if (ms < 0) {
            throw RedisStateStore.malformed(id);
        }
        if (n != 0) {
            return ms + "-" + Long.toUnsignedString(n - 1);
        }
        if (ms == 0) {
            return null;
        }
        return (ms - 1) + "-18446744073709551615";
    }
}
