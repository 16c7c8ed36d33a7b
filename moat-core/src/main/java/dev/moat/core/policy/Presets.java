package dev.moat.core.policy;

import dev.moat.core.limit.Algorithm;
import dev.moat.core.limit.LimitSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The named presets that fill {@code rate_limits} before a file's own entries merge over them
 * (restriction by restriction, see {@link RealmLimits#mergedWith}).
 *
 * <p>Every preset but {@code none} covers every restriction of {@link Restrictions#CLIENT} and
 * {@link Restrictions#FEDERATION} with at least one per-target limit. The number behind each line,
 * its source (Conduit, Synapse, LibreChat, Rocket.Chat) and the reasoning where a number is our
 * own are in docs/presets.md; keep the two in step.
 *
 * <p>Sources, abbreviated in the comments below:
 * <ul>
 *   <li>C: Conduit, conduit-config/src/rate_limiting.rs ({@code get_preset}); its GCRA
 *       {@code Timeframe::PerX(n)} + {@code burst_capacity} b is {@code gcra(n, X, b)} here, its
 *       media sizes are SI bytes ({@code ByteSize::mb} = 10^6), kept exact;</li>
 *   <li>S: Synapse, synapse/config/ratelimiting.py and docs/usage/configuration/config_documentation.md;
 *       {@code per_second} p + {@code burst_count} b is {@code gcra(p * window, window, b)};</li>
 *   <li>L: LibreChat, api/server/middleware/limiters/*.js and .env.example; express-rate-limit
 *       fixed windows, kept as {@code fixed_window};</li>
 *   <li>R: Rocket.Chat, apps/meteor/server/settings/rate.ts (DDP, i.e. WebSocket, limits).</li>
 * </ul>
 */
public final class Presets {
    private Presets() {
    }

    public static final List<String> NAMES = List.of("private_small", "private_medium", "public_medium", "public_large", "none");

    private static final long SECOND = 1000;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;

    /** Conduit's sizes: the bytesize crate's MB and GB are SI (10^6, 10^9 bytes). */
    private static final long SI_MB = 1_000_000L;
    private static final long SI_GB = 1_000_000_000L;
    /** Synapse's and Moat's own sizes: powers of 1024 (config spec: 20MB = 20 * 1024 * 1024). */
    private static final long KIB = 1024L;
    private static final long MIB = 1024L * 1024;

    private static final Map<String, RateLimits> PRESETS = Map.of(
            "private_small", privateSmall(),
            "private_medium", privateMedium(),
            "public_medium", publicMedium(),
            "public_large", publicLarge(),
            "none", new RateLimits("none", RealmLimits.EMPTY, RealmLimits.EMPTY, List.of()));

    /**
     * The named preset.
     *
     * @throws IllegalArgumentException for a name not in {@link #NAMES}; the message lists them
     */
    public static RateLimits get(String name) {
        RateLimits preset = name == null ? null : PRESETS.get(name);
        if (preset == null) {
            throw new IllegalArgumentException("unknown preset '" + name + "': expected one of " + String.join(", ", NAMES));
        }
        return preset;
    }

    // ---------------------------------------------------------------------------------------------
    // private_small: a single user, a family, friends. Conduit's default preset, verbatim wherever
    // Conduit has the restriction; the rest from Synapse, LibreChat, Rocket.Chat, or our own.

    private static RateLimits privateSmall() {
        return new Builder("private_small")
                .client()
                .target("registration",                ip(gcra(3, DAY, 10)))                                        // C
                .target("registration_token_validity", ip(gcra(10, DAY, 20)))                                       // C
                .target("login",                       ip(gcra(5, DAY, 20)))                                        // C
                .target("authentication_failures",     ip(gcra(1, HOUR, 20)))                                       // C
                .target("password_reset",              ip(fixed(2, 2 * MINUTE)), email(gcra(5, DAY, 3)))            // L; own
                .target("verify_email",                ip(fixed(2, 2 * MINUTE)), email(gcra(5, DAY, 3)))            // L; own
                .target("two_factor",                  ip(fixed(7, 5 * MINUTE)), target(fixed(7, 5 * MINUTE)))      // L
                .target("message",                     target(gcra(15, MINUTE, 60)), ip(gcra(60, MINUTE, 240)))     // C; own 4x
                .target("join",                        target(gcra(5, HOUR, 30)))                                   // C
                .target("invite",                      target(gcra(2, HOUR, 20)))                                   // C
                .target("knock",                       target(gcra(5, HOUR, 30)))                                   // C
                .target("send_report",                 target(gcra(5, DAY, 20)))                                    // C
                .target("create_alias",                target(gcra(2, DAY, 20)))                                    // C
                .target("create_room",                 target(gcra(1, MINUTE, 10)))                                 // S
                .target("media_create",                target(gcra(4, MINUTE, 20)))                                 // C
                .target("media_upload",                target(gcra(10 * SI_MB, MINUTE, 100 * SI_MB)))               // C
                .target("media_download",              target(gcra(100 * SI_MB, MINUTE, 50 * SI_MB)))               // C
                .target("media_fetch",                 target(gcra(100 * SI_MB, MINUTE, 50 * SI_MB)))               // C
                .target("file_upload",                 target(gcra(10 * SI_MB, MINUTE, 100 * SI_MB)))               // = media_upload
                .target("import",                      target(fixed(50, 15 * MINUTE)), ip(fixed(100, 15 * MINUTE))) // L
                .target("fork",                        target(fixed(7, MINUTE)), ip(fixed(30, MINUTE)))             // L
                .target("tts",                         target(fixed(50, MINUTE)), ip(fixed(100, MINUTE)))           // L
                .target("stt",                         target(fixed(50, MINUTE)), ip(fixed(100, MINUTE)))           // L
                .target("tool_call",                   target(fixed(1, SECOND)))                                    // L
                .target("ws_connect",                  target(gcra(10, MINUTE, 20)), ip(gcra(40, MINUTE, 80)))      // own
                .target("ws_message",                  target(fixed(1200, MINUTE)), ip(fixed(4800, MINUTE)))        // R; own 4x
                .global("registration",                gcra(10, DAY, 20))                                           // C
                .global("registration_token_validity", gcra(10, DAY, 20))                                           // C
                .global("login",                       gcra(10, HOUR, 10))                                          // C
                .global("message",                     gcra(2, SECOND, 100))                                        // C
                .global("join",                        gcra(1, MINUTE, 30))                                         // C
                .global("knock",                       gcra(1, MINUTE, 30))                                         // C
                .global("invite",                      gcra(10, HOUR, 20))                                          // C
                .global("send_report",                 gcra(1, HOUR, 25))                                           // C
                .global("create_alias",                gcra(5, HOUR, 20))                                           // C
                .global("media_create",                gcra(20, MINUTE, 50))                                        // C
                .global("media_upload",                gcra(50 * SI_MB, MINUTE, 100 * SI_MB))                       // C
                .global("media_download",              gcra(250 * SI_MB, MINUTE, 100 * SI_MB))                      // C
                .global("media_fetch",                 gcra(250 * SI_MB, MINUTE, 100 * SI_MB))                      // C
                .global("file_upload",                 gcra(50 * SI_MB, MINUTE, 100 * SI_MB))                       // = media_upload
                .concurrent("message",                 2, MINUTE)                                                   // L
                .federation()
                .target("join",                        server(gcra(10, HOUR, 10)))                                  // C
                .target("knock",                       server(gcra(10, HOUR, 10)))                                  // C
                .target("invite",                      server(gcra(10, HOUR, 10)))                                  // C
                .target("media_download",              server(gcra(100 * SI_MB, MINUTE, 100 * SI_MB)))              // C
                .target("transaction",                 server(gcra(10, SECOND, 50)))                                // S rc_federation
                .global("join",                        gcra(10, MINUTE, 10))                                        // C
                .global("knock",                       gcra(10, MINUTE, 10))                                        // C
                .global("invite",                      gcra(10, MINUTE, 10))                                        // C
                .global("media_download",              gcra(250 * SI_MB, MINUTE, 250 * SI_MB))                      // C
                .global("transaction",                 gcra(50, SECOND, 250))                                       // own
                .build();
    }

    // ---------------------------------------------------------------------------------------------
    // private_medium: a school class or year group, tens to hundreds of known users, many of them
    // behind one school NAT. Same per-account limits as private_small (Conduit keeps its per-target
    // map the same in every preset); per-IP limits 4x private_small's; Conduit's private_medium for
    // authentication failures, federation and global budgets; no global login budget.

    private static RateLimits privateMedium() {
        return new Builder("private_medium")
                .client()
                .target("registration",                ip(gcra(12, DAY, 40)))                                       // own 4x
                .target("registration_token_validity", ip(gcra(40, DAY, 80)))                                       // own 4x
                .target("login",                       ip(gcra(20, DAY, 80)), email(gcra(11, HOUR, 5)))             // own 4x; S account
                .target("authentication_failures",     ip(gcra(10, HOUR, 20)))                                      // C
                .target("password_reset",              ip(fixed(8, 2 * MINUTE)), email(gcra(5, DAY, 3)))            // own 4x L; own
                .target("verify_email",                ip(fixed(8, 2 * MINUTE)), email(gcra(5, DAY, 3)))            // own 4x L; own
                .target("two_factor",                  ip(fixed(28, 5 * MINUTE)), target(fixed(7, 5 * MINUTE)))     // own 4x L; L
                .target("message",                     target(gcra(15, MINUTE, 60)), ip(gcra(240, MINUTE, 960)))    // C; own 16x
                .target("join",                        target(gcra(5, HOUR, 30)))                                   // C
                .target("invite",                      target(gcra(2, HOUR, 20)))                                   // C
                .target("knock",                       target(gcra(5, HOUR, 30)))                                   // C
                .target("send_report",                 target(gcra(5, DAY, 20)))                                    // C
                .target("create_alias",                target(gcra(2, DAY, 20)))                                    // C
                .target("create_room",                 target(gcra(1, MINUTE, 10)))                                 // S
                .target("media_create",                target(gcra(4, MINUTE, 20)))                                 // C
                .target("media_upload",                target(gcra(10 * SI_MB, MINUTE, 100 * SI_MB)))               // C
                .target("media_download",              target(gcra(100 * SI_MB, MINUTE, 50 * SI_MB)))               // C
                .target("media_fetch",                 target(gcra(100 * SI_MB, MINUTE, 50 * SI_MB)))               // C
                .target("file_upload",                 target(gcra(10 * SI_MB, MINUTE, 100 * SI_MB)))               // = media_upload
                .target("import",                      target(fixed(50, 15 * MINUTE)), ip(fixed(400, 15 * MINUTE))) // L; own 4x
                .target("fork",                        target(fixed(7, MINUTE)), ip(fixed(120, MINUTE)))            // L; own 4x
                .target("tts",                         target(fixed(50, MINUTE)), ip(fixed(400, MINUTE)))           // L; own 4x
                .target("stt",                         target(fixed(50, MINUTE)), ip(fixed(400, MINUTE)))           // L; own 4x
                .target("tool_call",                   target(fixed(1, SECOND)))                                    // L
                .target("ws_connect",                  target(gcra(10, MINUTE, 20)), ip(gcra(160, MINUTE, 320)))    // own 4x
                .target("ws_message",                  target(fixed(1200, MINUTE)), ip(fixed(19200, MINUTE)))       // R; own 4x
                .global("registration",                gcra(20, DAY, 40))                                           // C rate, burst 40
                .global("registration_token_validity", gcra(20, DAY, 40))                                           // C rate, burst 40
                .global("message",                     gcra(10, SECOND, 100))                                       // C
                .global("join",                        gcra(5, MINUTE, 30))                                         // C
                .global("knock",                       gcra(5, MINUTE, 30))                                         // C
                .global("invite",                      gcra(1, MINUTE, 20))                                         // C
                .global("send_report",                 gcra(10, HOUR, 25))                                          // C
                .global("create_alias",                gcra(1, MINUTE, 50))                                         // C
                .global("media_create",                gcra(2, SECOND, 50))                                         // C rate, burst 50
                .global("media_upload",                gcra(100 * SI_MB, MINUTE, 200 * SI_MB))                      // C
                .global("media_download",              gcra(500 * SI_MB, MINUTE, 200 * SI_MB))                      // C
                .global("media_fetch",                 gcra(500 * SI_MB, MINUTE, 200 * SI_MB))                      // C
                .global("file_upload",                 gcra(100 * SI_MB, MINUTE, 200 * SI_MB))                      // = media_upload
                .concurrent("message",                 2, MINUTE)                                                   // L
                .federation()
                .target("join",                        server(gcra(30, HOUR, 10)))                                  // C
                .target("knock",                       server(gcra(30, HOUR, 10)))                                  // C
                .target("invite",                      server(gcra(30, HOUR, 10)))                                  // C
                .target("media_download",              server(gcra(200 * SI_MB, MINUTE, 200 * SI_MB)))              // C
                .target("transaction",                 server(gcra(10, SECOND, 50)))                                // S rc_federation
                .global("join",                        gcra(25, MINUTE, 25))                                        // C
                .global("knock",                       gcra(25, MINUTE, 25))                                        // C
                .global("invite",                      gcra(25, MINUTE, 25))                                        // C
                .global("media_download",              gcra(500 * SI_MB, MINUTE, 500 * SI_MB))                      // C
                .global("transaction",                 gcra(100, SECOND, 500))                                      // own
                .build();
    }

    // ---------------------------------------------------------------------------------------------
    // public_medium: open registration, 20-100 active users, anonymous abuse expected. Synapse's
    // rc_message per account, Synapse's and LibreChat's per-IP defaults (one address is mostly one
    // person, so per-IP limits stay close to per-account ones), Conduit's public_medium budgets.

    private static RateLimits publicMedium() {
        return new Builder("public_medium")
                .client()
                .target("registration",                ip(fixed(5, HOUR)), ip(gcra(10, MINUTE, 3)))                 // L; S
                .target("registration_token_validity", ip(gcra(6, MINUTE, 5)))                                      // S
                .target("login",                       ip(gcra(11, HOUR, 5)), email(gcra(11, HOUR, 5)))             // S address; S account
                .target("authentication_failures",     ip(gcra(10, HOUR, 20)))                                      // C
                .target("password_reset",              ip(fixed(2, 2 * MINUTE)), email(gcra(5, DAY, 3)))            // L; own
                .target("verify_email",                ip(fixed(2, 2 * MINUTE)), email(gcra(5, DAY, 3)))            // L; own
                .target("two_factor",                  ip(fixed(7, 5 * MINUTE)), target(fixed(7, 5 * MINUTE)))      // L
                .target("message",                     target(gcra(12, MINUTE, 10)), ip(fixed(40, MINUTE)))         // S; L
                .target("join",                        target(gcra(5, HOUR, 30)))                                   // C
                .target("invite",                      target(gcra(2, HOUR, 20)))                                   // C
                .target("knock",                       target(gcra(5, HOUR, 30)))                                   // C
                .target("send_report",                 target(gcra(5, DAY, 20)))                                    // C
                .target("create_alias",                target(gcra(2, DAY, 20)))                                    // C
                .target("create_room",                 target(gcra(1, MINUTE, 10)))                                 // S
                .target("media_create",                target(gcra(4, MINUTE, 20)))                                 // C
                .target("media_upload",                target(gcra(10 * SI_MB, MINUTE, 100 * SI_MB)))               // C
                .target("media_download",              target(gcra(100 * SI_MB, MINUTE, 50 * SI_MB)))               // C
                .target("media_fetch",                 target(gcra(100 * SI_MB, MINUTE, 50 * SI_MB)),               // C
                                                       ip(gcra(87 * KIB, SECOND, 500 * MIB)))                       // S remote media
                .target("file_upload",                 target(gcra(10 * SI_MB, MINUTE, 100 * SI_MB)))               // = media_upload
                .target("import",                      target(fixed(50, 15 * MINUTE)), ip(fixed(100, 15 * MINUTE))) // L
                .target("fork",                        target(fixed(7, MINUTE)), ip(fixed(30, MINUTE)))             // L
                .target("tts",                         target(fixed(50, MINUTE)), ip(fixed(100, MINUTE)))           // L
                .target("stt",                         target(fixed(50, MINUTE)), ip(fixed(100, MINUTE)))           // L
                .target("tool_call",                   target(fixed(1, SECOND)))                                    // L
                .target("ws_connect",                  target(gcra(10, MINUTE, 20)), ip(gcra(20, MINUTE, 40)))      // own
                .target("ws_message",                  target(fixed(1200, MINUTE)), ip(fixed(2400, MINUTE)))        // R; own 2x
                .global("registration",                gcra(5, HOUR, 20))                                           // C
                .global("registration_token_validity", gcra(1, DAY, 1))                                             // C
                .global("message",                     gcra(10, SECOND, 100))                                       // C
                .global("join",                        gcra(5, MINUTE, 30))                                         // C
                .global("knock",                       gcra(5, MINUTE, 30))                                         // C
                .global("invite",                      gcra(1, MINUTE, 20))                                         // C
                .global("send_report",                 gcra(10, HOUR, 25))                                          // C
                .global("create_alias",                gcra(1, MINUTE, 50))                                         // C
                .global("media_create",                gcra(2, SECOND, 20))                                         // C
                .global("media_upload",                gcra(100 * SI_MB, MINUTE, 200 * SI_MB))                      // C
                .global("media_download",              gcra(500 * SI_MB, MINUTE, 200 * SI_MB))                      // C
                .global("media_fetch",                 gcra(500 * SI_MB, MINUTE, 200 * SI_MB))                      // C
                .global("file_upload",                 gcra(100 * SI_MB, MINUTE, 200 * SI_MB))                      // = media_upload
                .concurrent("message",                 2, MINUTE)                                                   // L
                .federation()
                .target("join",                        server(gcra(30, HOUR, 10)))                                  // C
                .target("knock",                       server(gcra(30, HOUR, 10)))                                  // C
                .target("invite",                      server(gcra(30, HOUR, 10)))                                  // C
                .target("media_download",              server(gcra(200 * SI_MB, MINUTE, 200 * SI_MB)))              // C
                .target("transaction",                 server(gcra(10, SECOND, 50)))                                // S rc_federation
                .global("join",                        gcra(25, MINUTE, 25))                                        // C
                .global("knock",                       gcra(25, MINUTE, 25))                                        // C
                .global("invite",                      gcra(25, MINUTE, 25))                                        // C
                .global("media_download",              gcra(500 * SI_MB, MINUTE, 500 * SI_MB))                      // C
                .global("transaction",                 gcra(100, SECOND, 500))                                      // own
                .build();
    }

    // ---------------------------------------------------------------------------------------------
    // public_large: open registration, 200-1000 active users, many behind carrier-grade NAT,
    // campus and corporate proxies. Per-account limits as public_medium; per-IP limits 5x
    // public_medium's (message: 20 accounts' worth); Conduit's public_large budgets, with bursts
    // raised where Conduit's were smaller than its own public_medium's.

    private static RateLimits publicLarge() {
        return new Builder("public_large")
                .client()
                .target("registration",                ip(fixed(25, HOUR)), ip(gcra(50, MINUTE, 15)))                // own 5x L, S
                .target("registration_token_validity", ip(gcra(30, MINUTE, 25)))                                    // own 5x S
                .target("login",                       ip(gcra(55, HOUR, 25)), email(gcra(11, HOUR, 5)))            // own 5x S; S account
                .target("authentication_failures",     ip(gcra(1, MINUTE, 20)))                                     // C
                .target("password_reset",              ip(fixed(10, 2 * MINUTE)), email(gcra(5, DAY, 3)))           // own 5x L; own
                .target("verify_email",                ip(fixed(10, 2 * MINUTE)), email(gcra(5, DAY, 3)))           // own 5x L; own
                .target("two_factor",                  ip(fixed(35, 5 * MINUTE)), target(fixed(7, 5 * MINUTE)))     // own 5x L; L
                .target("message",                     target(gcra(12, MINUTE, 10)), ip(gcra(240, MINUTE, 200)))    // S; own 20x
                .target("join",                        target(gcra(5, HOUR, 30)))                                   // C
                .target("invite",                      target(gcra(2, HOUR, 20)))                                   // C
                .target("knock",                       target(gcra(5, HOUR, 30)))                                   // C
                .target("send_report",                 target(gcra(5, DAY, 20)))                                    // C
                .target("create_alias",                target(gcra(2, DAY, 20)))                                    // C
                .target("create_room",                 target(gcra(1, MINUTE, 10)))                                 // S
                .target("media_create",                target(gcra(4, MINUTE, 20)))                                 // C
                .target("media_upload",                target(gcra(10 * SI_MB, MINUTE, 100 * SI_MB)))               // C
                .target("media_download",              target(gcra(100 * SI_MB, MINUTE, 50 * SI_MB)))               // C
                .target("media_fetch",                 target(gcra(100 * SI_MB, MINUTE, 50 * SI_MB)),               // C
                                                       ip(gcra(435 * KIB, SECOND, 2500 * MIB)))                     // own 5x S
                .target("file_upload",                 target(gcra(10 * SI_MB, MINUTE, 100 * SI_MB)))               // = media_upload
                .target("import",                      target(fixed(50, 15 * MINUTE)), ip(fixed(500, 15 * MINUTE))) // L; own 5x
                .target("fork",                        target(fixed(7, MINUTE)), ip(fixed(150, MINUTE)))            // L; own 5x
                .target("tts",                         target(fixed(50, MINUTE)), ip(fixed(500, MINUTE)))           // L; own 5x
                .target("stt",                         target(fixed(50, MINUTE)), ip(fixed(500, MINUTE)))           // L; own 5x
                .target("tool_call",                   target(fixed(1, SECOND)))                                    // L
                .target("ws_connect",                  target(gcra(10, MINUTE, 20)), ip(gcra(100, MINUTE, 200)))    // own 5x
                .target("ws_message",                  target(fixed(1200, MINUTE)), ip(fixed(120000, MINUTE)))      // R
                .global("registration",                gcra(4, MINUTE, 25))                                         // C
                .global("registration_token_validity", gcra(1, DAY, 1))                                             // C
                .global("message",                     gcra(100, SECOND, 100))                                      // C rate, burst 100
                .global("join",                        gcra(1, SECOND, 30))                                         // C rate, burst 30
                .global("knock",                       gcra(1, SECOND, 30))                                         // C rate, burst 30
                .global("invite",                      gcra(10, MINUTE, 40))                                        // C
                .global("send_report",                 gcra(5, MINUTE, 25))                                         // C
                .global("create_alias",                gcra(30, MINUTE, 50))                                        // C rate, burst 50
                .global("media_create",                gcra(10, SECOND, 30))                                        // C
                .global("media_upload",                gcra(500 * SI_MB, MINUTE, 500 * SI_MB))                      // C
                .global("media_download",              gcra(2 * SI_GB, MINUTE, 500 * SI_MB))                        // C
                .global("media_fetch",                 gcra(2 * SI_GB, MINUTE, 500 * SI_MB))                        // C
                .global("file_upload",                 gcra(500 * SI_MB, MINUTE, 500 * SI_MB))                      // = media_upload
                .concurrent("message",                 2, MINUTE)                                                   // L
                .federation()
                .target("join",                        server(gcra(90, HOUR, 30)))                                  // C
                .target("knock",                       server(gcra(90, HOUR, 30)))                                  // C
                .target("invite",                      server(gcra(90, HOUR, 30)))                                  // C
                .target("media_download",              server(gcra(600 * SI_MB, MINUTE, 300 * SI_MB)))              // C
                .target("transaction",                 server(gcra(10, SECOND, 50)))                                // S rc_federation
                .global("join",                        gcra(1, SECOND, 50))                                         // C
                .global("knock",                       gcra(1, SECOND, 50))                                         // C
                .global("invite",                      gcra(1, SECOND, 50))                                         // C
                .global("media_download",              gcra(2 * SI_GB, MINUTE, 1 * SI_GB))                          // C
                .global("transaction",                 gcra(500, SECOND, 2500))                                     // own
                .build();
    }

    // ---------------------------------------------------------------------------------------------
    // The table's vocabulary.

    private static LimitSpec gcra(long max, long perMillis, long burst) {
        return LimitSpec.gcra(max, perMillis, burst);
    }

    private static LimitSpec fixed(long max, long perMillis) {
        return LimitSpec.fixedWindow(max, perMillis);
    }

    private static LimitConfig ip(LimitSpec spec) {
        return LimitConfig.of(spec, By.IP);
    }

    private static LimitConfig email(LimitSpec spec) {
        return LimitConfig.of(spec, By.EMAIL);
    }

    private static LimitConfig target(LimitSpec spec) {
        return LimitConfig.of(spec, By.TARGET);
    }

    private static LimitConfig server(LimitSpec spec) {
        return LimitConfig.of(spec, By.SERVER);
    }

    /** Collects one preset realm by realm; each call is one row of the table. */
    private static final class Builder {
        private final String name;
        private final Map<Realm, Map<String, List<LimitConfig>>> targets = new LinkedHashMap<>();
        private final Map<Realm, Map<String, List<LimitConfig>>> globals = new LinkedHashMap<>();
        private final Map<Realm, Map<String, ConcurrencyConfig>> concurrents = new LinkedHashMap<>();
        private Realm realm;

        Builder(String name) {
            this.name = name;
            for (Realm r : Realm.values()) {
                targets.put(r, new LinkedHashMap<>());
                globals.put(r, new LinkedHashMap<>());
                concurrents.put(r, new LinkedHashMap<>());
            }
        }

        Builder client() {
            realm = Realm.CLIENT;
            return this;
        }

        Builder federation() {
            realm = Realm.FEDERATION;
            return this;
        }

        Builder target(String restriction, LimitConfig... limits) {
            put(targets, restriction, List.of(limits));
            return this;
        }

        Builder global(String restriction, LimitSpec spec) {
            put(globals, restriction, List.of(LimitConfig.of(spec)));
            return this;
        }

        Builder concurrent(String restriction, int max, long leaseMillis) {
            if (concurrents.get(realm).put(restriction, new ConcurrencyConfig(max, leaseMillis)) != null) {
                throw new IllegalStateException(name + ": concurrent " + restriction + " twice");
            }
            return this;
        }

        private void put(Map<Realm, Map<String, List<LimitConfig>>> section, String restriction, List<LimitConfig> limits) {
            if (section.get(realm).put(restriction, limits) != null) {
                throw new IllegalStateException(name + ": " + realm.wire() + " " + restriction + " twice");
            }
        }

        RateLimits build() {
            return new RateLimits(name, realmLimits(Realm.CLIENT), realmLimits(Realm.FEDERATION), List.of());
        }

        private RealmLimits realmLimits(Realm r) {
            return new RealmLimits(targets.get(r), globals.get(r), concurrents.get(r));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Printing, for `moat presets show NAME`.

    /** The named preset in the config file's syntax (the {@code rate_limits:} block). */
    public static String toYaml(String name) {
        return toYaml(get(name));
    }

    /**
     * {@code limits} in the config file's syntax: restrictions sorted by name, durations in the
     * largest exact unit ({@code 5m}, {@code 1h}), byte budgets as sizes where exact ({@code 20MB}),
     * {@code burst} only where it differs from {@code max}, {@code algorithm} only where it is not
     * the default gcra. Parsing the output back yields the same limits.
     */
    public static String toYaml(RateLimits limits) {
        StringBuilder out = new StringBuilder();
        out.append("rate_limits:\n");
        out.append("  preset: ").append(limits.preset()).append('\n');
        for (Realm r : Realm.values()) {
            RealmLimits realm = limits.realm(r);
            out.append("  ").append(r.wire()).append(":\n");
            section(out, "target", realm.target(), true);
            section(out, "global", realm.global(), false);
            if (!realm.concurrent().isEmpty() || r == Realm.CLIENT) {
                out.append("    concurrent:");
                if (realm.concurrent().isEmpty()) {
                    out.append(" {}\n");
                } else {
                    out.append('\n');
                    new TreeMap<>(realm.concurrent()).forEach((restriction, c) -> out.append("      ").append(restriction)
                            .append(": {max: ").append(c.max()).append(", lease: ").append(duration(c.leaseMillis()))
                            .append("}\n"));
                }
            }
        }
        out.append("  exempt: [");
        List<String> quoted = new ArrayList<>();
        for (String subject : limits.exempt()) {
            quoted.add('"' + subject.replace("\\", "\\\\").replace("\"", "\\\"") + '"');
        }
        out.append(String.join(", ", quoted)).append("]\n");
        return out.toString();
    }

    private static void section(StringBuilder out, String key, Map<String, List<LimitConfig>> entries, boolean withBy) {
        out.append("    ").append(key).append(':');
        if (entries.isEmpty()) {
            out.append(" {}\n");
            return;
        }
        out.append('\n');
        new TreeMap<>(entries).forEach((restriction, list) -> {
            boolean bytes = Restrictions.BYTE_BUDGETS.contains(restriction);
            out.append("      ").append(restriction).append(':');
            if (list.size() == 1) {
                out.append(' ').append(flow(list.get(0), bytes, withBy)).append('\n');
            } else {
                out.append('\n');
                for (LimitConfig limit : list) {
                    out.append("        - ").append(flow(limit, bytes, withBy)).append('\n');
                }
            }
        });
    }

    private static String flow(LimitConfig limit, boolean bytes, boolean withBy) {
        LimitSpec spec = limit.spec();
        StringBuilder s = new StringBuilder("{max: ").append(amount(spec.max(), bytes))
                .append(", per: ").append(duration(spec.perMillis()));
        if (withBy) {
            s.append(", by: ").append(limit.by().wire());
        }
        if (spec.algorithm() != Algorithm.GCRA) {
            s.append(", algorithm: ").append(spec.algorithm().configName());
        }
        if (spec.algorithm() == Algorithm.GCRA && spec.burst() != spec.max()) {
            s.append(", burst: ").append(amount(spec.burst(), bytes));
        }
        if (spec.algorithm() == Algorithm.SLIDING_WINDOW && spec.precisionMillis() != Math.max(1, spec.perMillis() / 10)) {
            s.append(", precision: ").append(duration(spec.precisionMillis()));
        }
        return s.append('}').toString();
    }

    private static final long[] DURATION_UNITS = {7 * DAY, DAY, HOUR, MINUTE, SECOND};
    private static final String[] DURATION_SUFFIXES = {"w", "d", "h", "m", "s"};

    /** Milliseconds in the largest unit that divides them exactly: 300000 is {@code 5m}. */
    static String duration(long millis) {
        for (int i = 0; i < DURATION_UNITS.length; i++) {
            if (millis % DURATION_UNITS[i] == 0) {
                return millis / DURATION_UNITS[i] + DURATION_SUFFIXES[i];
            }
        }
        return millis + "ms";
    }

    private static final long[] SIZE_UNITS = {1024L * 1024 * 1024, 1024L * 1024, 1024L};
    private static final String[] SIZE_SUFFIXES = {"GB", "MB", "KB"};

    /** A count as is; bytes in the largest power-of-1024 unit that divides them exactly, else plain. */
    static String amount(long value, boolean bytes) {
        if (bytes) {
            for (int i = 0; i < SIZE_UNITS.length; i++) {
                if (value % SIZE_UNITS[i] == 0) {
                    return value / SIZE_UNITS[i] + SIZE_SUFFIXES[i];
                }
            }
        }
        return Long.toString(value);
    }
}
