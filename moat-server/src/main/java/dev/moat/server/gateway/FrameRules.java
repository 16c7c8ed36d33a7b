package dev.moat.server.gateway;

import com.fasterxml.jackson.core.JsonPointer;

import java.util.HashMap;
import java.util.Map;

/** The frame rules with their JSON pointers compiled once. */
final class FrameRules {
    /** One extractor, compiled. */
    record Compiled(GatewaySettings.Extractor spec, JsonPointer text, JsonPointer to, JsonPointer room) {
    }

    final GatewaySettings.Frames frames;
    final JsonPointer type;
    private final Map<String, Compiled> byEvent = new HashMap<>();

    FrameRules(GatewaySettings.Frames frames) {
        this.frames = frames;
        this.type = JsonPointers.validate(frames.typePointer());
        for (GatewaySettings.Extractor e : frames.messages()) {
            byEvent.put(e.event(), new Compiled(e, JsonPointers.validate(e.text()),
                    e.to() == null ? null : JsonPointers.validate(e.to()),
                    e.room() == null ? null : JsonPointers.validate(e.room())));
        }
    }

    Compiled extractor(String event) {
        return event == null ? null : byEvent.get(event);
    }
}
