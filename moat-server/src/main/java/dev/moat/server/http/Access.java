package dev.moat.server.http;

/** Who may call an endpoint: anyone (health, metrics, the OpenAPI document), client keys, or admin keys only. */
public enum Access {
    PUBLIC, CLIENT, ADMIN
}
