package dev.moat.core.policy;

import java.util.List;

/**
 * The {@code rate_limits} section: a preset, then the file's own entries merged over it
 * restriction by restriction, and the exempt subjects (never limited, never banned).
 *
 * @param preset     the preset these limits started from
 * @param client     the client realm
 * @param federation the federation realm
 * @param exempt     subjects such as {@code user:@admin:example.org} or {@code cidr:10.0.0.0/8}
 */
public record RateLimits(String preset, RealmLimits client, RealmLimits federation, List<String> exempt) {
    public RateLimits {
        preset = preset == null ? "none" : preset;
        client = client == null ? RealmLimits.EMPTY : client;
        federation = federation == null ? RealmLimits.EMPTY : federation;
        exempt = exempt == null ? List.of() : List.copyOf(exempt);
    }

    public RealmLimits realm(Realm realm) {
        return realm == Realm.CLIENT ? client : federation;
    }

    /** The named preset with {@code overrides} merged over it restriction by restriction. */
    public static RateLimits fromPreset(String presetName, RealmLimits clientOverrides, RealmLimits federationOverrides,
                                        List<String> exempt) {
        RateLimits base = Presets.get(presetName);
        return new RateLimits(presetName,
                base.client.mergedWith(clientOverrides == null ? RealmLimits.EMPTY : clientOverrides),
                base.federation.mergedWith(federationOverrides == null ? RealmLimits.EMPTY : federationOverrides),
                exempt);
    }
}
