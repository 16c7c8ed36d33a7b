package dev.moat.server.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** The table {@code moat bans list} and {@code moat bans add} print: one row per ban of the API's JSON. */
final class BanTable {
    private BanTable() {
    }

    static Table of(Iterable<JsonNode> bans) {
        Table t = new Table("SUBJECT", "SOURCE", "TYPE", "REASON", "EXPIRES_AT", "ACTOR");
        for (JsonNode b : bans) {
            t.row(b.path("subject").asText(), b.path("source").asText(), b.path("type").asText(),
                    b.path("reason").asText(), b.path("expires_at").asText(), b.path("actor").asText());
        }
        return t;
    }
}
