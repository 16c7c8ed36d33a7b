package dev.moat.server.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.identity.IpAddress;
import dev.moat.core.identity.Subject;
import dev.moat.server.http.Json;

/**
 * One refusing decision as the admin page shows it. Deliberately narrow: who, what, why and which
 * limit or ban, never the message text, the e-mail login name, a token or an API key, so the feed
 * can be shown on a shared screen and can never leak what the audit log keeps out.
 *
 * @param id         position in the feed (1, 2, ...), the SSE event id
 * @param atMillis   when the decision was made (the engine's clock)
 * @param action     the restriction asked about
 * @param realm      client or federation
 * @param verdict    deny, kick or ban
 * @param reason     why (banned, rate_limited, ...)
 * @param subject    who asked: {@code user:..}, else {@code ip:..}, {@code server:..}, {@code appservice:..}; or null
 * @param limitId    the limit that fired, or null
 * @param banSubject the ban that refused the request or that started, or null
 */
public record RefusalEvent(long id, long atMillis, String action, String realm, String verdict, String reason,
                           String subject, String limitId, String banSubject) {

    /** Longest subject id kept; anything longer is cut (the engine already bounds ids, this is belt and braces). */
    static final int MAX_SUBJECT_CHARS = Subject.MAX_ID_CHARS + 16;

    /** The event for a decision, numbered {@code id}. */
    static RefusalEvent of(long id, long atMillis, CheckRequest r, Decision d) {
        return new RefusalEvent(id, atMillis, r.action(), r.realm().wire(), d.verdict().wire(),
                d.reason() == null ? null : d.reason().wire(), subjectOf(r),
                d.limit() == null ? null : d.limit().id(), d.ban() == null ? null : d.ban().subject());
    }

    /** The user if there is one (bans and scores key on it first), else the address, server or appservice. */
    static String subjectOf(CheckRequest r) {
        return subjectOf(r.user(), r.ip(), r.server(), r.appservice());
    }

    /** The same from the request's fields (the feed keeps those, and makes the subject when it is read). */
    static String subjectOf(String user, String ip, String server, String appservice) {
        if (user != null && !user.isEmpty()) {
            return cut("user:" + user);
        }
        if (ip != null && !ip.isEmpty()) {
            IpAddress a = IpAddress.tryParse(ip);
            return a == null ? cut("ip:" + ip) : Subject.ip(a).toString();
        }
        if (server != null && !server.isEmpty()) {
            return cut("server:" + server);
        }
        if (appservice != null && !appservice.isEmpty()) {
            return cut("appservice:" + appservice);
        }
        return null;
    }

    private static String cut(String s) {
        return s.length() <= MAX_SUBJECT_CHARS ? s : s.substring(0, MAX_SUBJECT_CHARS) + "…";
    }

    /** The JSON the page receives: snake_case, {@code at} in RFC 3339. */
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("at", Json.instant(atMillis));
        o.put("action", action);
        o.put("realm", realm);
        o.put("verdict", verdict);
        o.put("reason", reason);
        o.put("subject", subject);
        o.put("limit_id", limitId);
        o.put("ban_subject", banSubject);
        return o;
    }
}
