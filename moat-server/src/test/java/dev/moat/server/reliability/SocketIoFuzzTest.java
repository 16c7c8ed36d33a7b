package dev.moat.server.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target for the gateway's Socket.IO frame parser ({@code SocketIo.parse}) and what the
 * gateway does with a parsed frame: read the event name and arguments, pull the message text out
 * with a JSON pointer, censor it, and re-encode the packet for the chat server.
 *
 * <p>Properties: parsing never throws; a frame is a packet only if it is an Engine.IO message
 * ({@code 4}) with a Socket.IO type digit; a packet's fields are in range; and a packet whose
 * payload the gateway rewrites ({@code withJson(...).encode()}) parses back to the same type,
 * attachments, namespace and ack id, so censoring can never re-route a frame to another
 * namespace or answer another ack.
 *
 * <p>Seeds: {@code src/test/resources/dev/moat/server/reliability/SocketIoFuzzTestInputs/parse/}.
 */
class SocketIoFuzzTest {
    private static final String SOCKET_IO = "dev.moat.server.gateway.SocketIo";
    private static final String POINTERS = "dev.moat.server.gateway.JsonPointers";
    private static final Method PARSE = Internals.method(SOCKET_IO, "parse", String.class);
    private static final Class<?> PACKET = Internals.type(SOCKET_IO + "$Packet");
    private static final Method TYPE = Internals.method(PACKET, "type");
    private static final Method ATTACHMENTS = Internals.method(PACKET, "attachments");
    private static final Method NSP = Internals.method(PACKET, "nsp");
    private static final Method ACK_ID = Internals.method(PACKET, "ackId");
    private static final Method JSON_TEXT = Internals.method(PACKET, "json");
    private static final Method ENCODE = Internals.method(PACKET, "encode");
    private static final Method WITH_JSON = Internals.method(PACKET, "withJson", String.class);
    private static final Method TEXT_AT = Internals.method(POINTERS, "text", JsonNode.class, JsonPointer.class);
    private static final Method REPLACE = Internals.method(POINTERS, "replace", JsonNode.class, JsonPointer.class,
            String.class);
    private static final JsonPointer[] POINTERS_TRIED = {
            JsonPointer.compile("/0/text"), JsonPointer.compile("/0"), JsonPointer.compile("/1/msg/body"),
            JsonPointer.compile("/0/to")};
    /** The gateway reads frames with a default mapper ({@code Refusals.JSON}). */
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest(maxDuration = "2m")
    void parse(byte[] data) throws Exception {
        String frame = new String(data, StandardCharsets.UTF_8);
        Object p = Internals.call(PARSE, null, frame);
        boolean shaped = frame.length() >= 2 && frame.charAt(0) == '4' && frame.charAt(1) >= '0' && frame.charAt(1) <= '6';
        if (p == null) {
            return;
        }
        assertThat(shaped).as("only an Engine.IO message with a Socket.IO type is a packet: %s", frame).isTrue();
        int type = (int) Internals.call(TYPE, p);
        int attachments = (int) Internals.call(ATTACHMENTS, p);
        String nsp = (String) Internals.call(NSP, p);
        long ackId = (long) Internals.call(ACK_ID, p);
        assertThat(type).isBetween(0, 6);
        assertThat(attachments).isNotNegative();
        if (type != 5 && type != 6) {
            assertThat(attachments).isZero();
        }
        assertThat(nsp).startsWith("/").doesNotContain(",");
        assertThat(ackId).isGreaterThanOrEqualTo(-1);

        // the censor path: event name and args out of the payload, text replaced, re-encoded
        String json = (String) Internals.call(JSON_TEXT, p);
        ArrayNode args = JsonNodeFactory.instance.arrayNode();
        String event = "message";
        if (json != null) {
            try {
                JsonNode n = JSON.readTree(json);
                if (n instanceof ArrayNode a && a.size() > 0 && a.get(0).isTextual()) {
                    event = a.get(0).asText();
                    for (int i = 1; i < a.size(); i++) {
                        args.add(a.get(i));
                    }
                }
            } catch (java.io.IOException | RuntimeException notJson) {
                // the gateway treats it as an event with no readable name
            }
        }
        for (JsonPointer ptr : POINTERS_TRIED) {
            Internals.call(TEXT_AT, null, args, ptr);
            Internals.call(REPLACE, null, args, ptr, "***");
        }
        ArrayNode all = JsonNodeFactory.instance.arrayNode();
        all.add(event);
        all.addAll(args);
        Object rewritten = Internals.call(WITH_JSON, p, all.toString());
        String encoded = (String) Internals.call(ENCODE, rewritten);
        Object again = Internals.call(PARSE, null, encoded);
        assertThat(again).as("the re-encoded frame %s parses", encoded).isNotNull();
        assertThat(Internals.call(TYPE, again)).isEqualTo(type);
        assertThat(Internals.call(ATTACHMENTS, again)).isEqualTo(attachments);
        assertThat(Internals.call(NSP, again)).as("namespace of %s -> %s", frame, encoded).isEqualTo(nsp);
        assertThat(Internals.call(ACK_ID, again)).as("ack id of %s -> %s", frame, encoded).isEqualTo(ackId);
        assertThat(Internals.call(JSON_TEXT, again)).isEqualTo(all.toString());
    }
}
