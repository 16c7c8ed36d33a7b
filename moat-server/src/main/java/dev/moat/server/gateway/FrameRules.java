package dev.moat.server.gateway;

import com.fasterxml.jackson.core.JsonPointer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The frame rules with their JSON pointers compiled once. */
final class FrameRules {
    /**
     * One extractor, compiled; {@code textAt}, {@code toAt} and {@code roomAt} are the indexes of
     * its pointers in {@link #reader} (-1 when not set).
     */
    record Compiled(GatewaySettings.Extractor spec, JsonPointer text, JsonPointer to, JsonPointer room,
                    int textAt, int toAt, int roomAt) {
    }

    final GatewaySettings.Frames frames;
    final JsonPointer type;
    /** Index of {@link #type} in {@link #reader}. */
    final int typeAt;
    /** Every pointer a JSON frame may be read at (the type and all extractors'), each once. */
    final PointerReader reader;
    private final Map<String, Compiled> byEvent = new HashMap<>();

    FrameRules(GatewaySettings.Frames frames) {
        this.frames = frames;
        this.type = JsonPointers.validate(frames.typePointer());
        List<JsonPointer> all = new ArrayList<>();
        this.typeAt = index(all, type);
        for (GatewaySettings.Extractor e : frames.messages()) {
            JsonPointer text = JsonPointers.validate(e.text());
            JsonPointer to = e.to() == null ? null : JsonPointers.validate(e.to());
            JsonPointer room = e.room() == null ? null : JsonPointers.validate(e.room());
            byEvent.put(e.event(), new Compiled(e, text, to, room, index(all, text), index(all, to), index(all, room)));
        }
        this.reader = new PointerReader(all);
    }

    private static int index(List<JsonPointer> all, JsonPointer p) {
        if (p == null) {
            return -1;
        }
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).toString().equals(p.toString())) {
                return i;
            }
        }
        all.add(p);
        return all.size() - 1;
    }

    Compiled extractor(String event) {
        return event == null ? null : byEvent.get(event);
    }
}
