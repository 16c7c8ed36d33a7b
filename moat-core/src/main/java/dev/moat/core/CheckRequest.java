package dev.moat.core;

import dev.moat.core.policy.Realm;

/**
 * One question to the engine: may this end user perform {@code action} now? Mirrors the body of
 * {@code POST /v1/check}. Build with {@link #builder(String)}.
 *
 * @param action     a restriction name
 * @param realm      client (default) or federation
 * @param user       authenticated user id, or null
 * @param ip         the end user's address (any textual form, with or without a port), or null
 * @param server     origin server (federation), or null
 * @param appservice appservice / bot id, or null
 * @param email      login name before authentication (compared lower-cased), or null
 * @param cost       units to consume (bytes for media restrictions); at least 0
 * @param userAgent  enables the non-browser check where configured
 * @param model      enables the model allow-list check (with {@code endpoint})
 * @param endpoint   the model's endpoint
 * @param message    enables link-spam, filter and moderation checks, or null
 * @param dryRun     evaluate and report without counting or recording anything
 */
public record CheckRequest(String action, Realm realm, String user, String ip, String server, String appservice,
                           String email, long cost, String userAgent, String model, String endpoint, Message message,
                           boolean dryRun) {

    /**
     * A chat message to check.
     *
     * @param text the text
     * @param to   recipient (user id) for a DM
     * @param room the room, for public messages
     * @param dm   true for a direct message
     */
    public record Message(String text, String to, String room, boolean dm) {
    }

    public CheckRequest {
        realm = realm == null ? Realm.CLIENT : realm;
    }

    public static Builder builder(String action) {
        return new Builder(action);
    }

    /** A fluent builder; unset fields are null, cost defaults to 1. */
    public static final class Builder {
        private final String action;
        private Realm realm = Realm.CLIENT;
        private String user;
        private String ip;
        private String server;
        private String appservice;
        private String email;
        private long cost = 1;
        private String userAgent;
        private String model;
        private String endpoint;
        private Message message;
        private boolean dryRun;

        private Builder(String action) {
            this.action = action;
        }

        public Builder realm(Realm v) { realm = v; return this; }
        public Builder user(String v) { user = v; return this; }
        public Builder ip(String v) { ip = v; return this; }
        public Builder server(String v) { server = v; return this; }
        public Builder appservice(String v) { appservice = v; return this; }
        public Builder email(String v) { email = v; return this; }
        public Builder cost(long v) { cost = v; return this; }
        public Builder userAgent(String v) { userAgent = v; return this; }
        public Builder model(String endpointName, String modelId) { endpoint = endpointName; model = modelId; return this; }
        public Builder message(Message v) { message = v; return this; }
        public Builder dm(String to, String text) { message = new Message(text, to, null, true); return this; }
        public Builder publicMessage(String room, String text) { message = new Message(text, null, room, false); return this; }
        public Builder dryRun(boolean v) { dryRun = v; return this; }

        public CheckRequest build() {
            return new CheckRequest(action, realm, user, ip, server, appservice, email, cost, userAgent, model, endpoint,
                    message, dryRun);
        }
    }
}
