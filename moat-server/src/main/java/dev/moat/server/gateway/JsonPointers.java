package dev.moat.server.gateway;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/** RFC 6901 JSON pointers over Jackson trees: validation, reading a string, replacing one. */
final class JsonPointers {
    private JsonPointers() {
    }

    /** Throws IllegalArgumentException unless {@code pointer} is a JSON pointer ("" or starting with '/'). */
    static JsonPointer validate(String pointer) {
        if (pointer == null) {
            throw new IllegalArgumentException("a JSON pointer is required, e.g. /text");
        }
        try {
            return JsonPointer.compile(pointer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + pointer + "' is not a JSON pointer (it starts with '/', e.g. /text)");
        }
    }

    /** The text at {@code pointer}: a string as is, a number or boolean as text, else null. */
    static String text(JsonNode root, JsonPointer pointer) {
        if (root == null || pointer == null) {
            return null;
        }
        JsonNode n = root.at(pointer);
        if (n == null || n.isMissingNode() || n.isNull() || n.isContainerNode()) {
            return null;
        }
        return n.asText();
    }

    /** Replaces the value at {@code pointer} with a string; false when there is no such value. */
    static boolean replace(JsonNode root, JsonPointer pointer, String value) {
        JsonPointer parentPtr = pointer.head();
        if (parentPtr == null) {
            return false;
        }
        JsonNode parent = root.at(parentPtr);
        String last = pointer.last().getMatchingProperty();
        if (parent instanceof ObjectNode o && o.has(last)) {
            o.set(last, TextNode.valueOf(value));
            return true;
        }
        if (parent instanceof ArrayNode a) {
            int i = pointer.last().getMatchingIndex();
            if (i >= 0 && i < a.size()) {
                a.set(i, TextNode.valueOf(value));
                return true;
            }
        }
        return false;
    }
}
