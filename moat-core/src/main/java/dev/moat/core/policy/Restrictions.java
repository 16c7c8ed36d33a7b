package dev.moat.core.policy;

import java.util.Map;
import java.util.Set;

/**
 * The restrictions Moat knows without declaration (config spec), and the violation type that
 * exceeding each one records (LibreChat's names).
 */
public final class Restrictions {
    private Restrictions() {
    }

    public static final Set<String> CLIENT = Set.of(
            "registration", "registration_token_validity", "login", "authentication_failures", "password_reset",
            "verify_email", "two_factor", "message", "join", "invite", "knock", "send_report", "create_alias",
            "create_room", "media_create", "media_upload", "media_download", "media_fetch", "file_upload", "import",
            "fork", "tts", "stt", "tool_call", "ws_connect", "ws_message");

    public static final Set<String> FEDERATION = Set.of("join", "knock", "invite", "media_download", "transaction");

    /** Restrictions whose cost is counted in bytes rather than events. */
    public static final Set<String> BYTE_BUDGETS = Set.of("media_upload", "media_download", "media_fetch", "file_upload");

    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("login", "logins"), Map.entry("two_factor", "logins"),
            Map.entry("authentication_failures", "logins"),
            Map.entry("registration", "registrations"), Map.entry("registration_token_validity", "registrations"),
            Map.entry("message", "message_limit"), Map.entry("ws_message", "message_limit"),
            Map.entry("file_upload", "file_upload_limit"), Map.entry("media_upload", "file_upload_limit"),
            Map.entry("import", "file_upload_limit"), Map.entry("fork", "file_upload_limit"),
            Map.entry("password_reset", "reset_password_limit"), Map.entry("verify_email", "verify_email_limit"),
            Map.entry("tts", "tts_limit"), Map.entry("stt", "stt_limit"), Map.entry("tool_call", "tool_call_limit"));

    public static Set<String> known(Realm realm) {
        return realm == Realm.CLIENT ? CLIENT : FEDERATION;
    }

    /** The violation type recorded when {@code restriction} refuses a request. */
    public static String violationType(String restriction) {
        return TYPES.getOrDefault(restriction, restriction + "_limit");
    }
}
