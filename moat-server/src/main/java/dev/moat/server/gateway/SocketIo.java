package dev.moat.server.gateway;

/**
 * The Engine.IO 4 / Socket.IO 5 text framing over a WebSocket, as far as the gateway reads it.
 *
 * <p>Every text frame is one Engine.IO packet: a type digit ({@code 0} open, {@code 1} close,
 * {@code 2} ping, {@code 3} pong, {@code 4} message, {@code 5} upgrade, {@code 6} noop) and data.
 * A message carries one Socket.IO packet: a type digit ({@code 0} CONNECT, {@code 1} DISCONNECT,
 * {@code 2} EVENT, {@code 3} ACK, {@code 4} CONNECT_ERROR, {@code 5} BINARY_EVENT, {@code 6}
 * BINARY_ACK), for binary types the attachment count and {@code -}, an optional namespace
 * ({@code /chat,}), an optional ack id (digits) and a JSON payload. So a client's first packet
 * after the server's open packet is {@code 40} or {@code 40{"token":"..."}}, and
 * {@code 421["chat",{"text":"hi"}]} is event {@code chat} on {@code /} asking for ack 1. Binary
 * attachments follow their packet as binary frames. This mirrors socket.io-parser's decoder,
 * including what it accepts; anything else is {@code null} (not a Socket.IO packet).
 */
final class SocketIo {
    private SocketIo() {
    }

    static final int CONNECT = 0;
    static final int DISCONNECT = 1;
    static final int EVENT = 2;
    static final int ACK = 3;
    static final int CONNECT_ERROR = 4;
    static final int BINARY_EVENT = 5;
    static final int BINARY_ACK = 6;

    /**
     * One Socket.IO packet.
     *
     * @param type        the Socket.IO packet type
     * @param attachments binary attachments that follow (binary types), else 0
     * @param nsp         the namespace, "/" by default
     * @param ackId       the ack id, or -1
     * @param json        the JSON payload text, or null
     */
    record Packet(int type, int attachments, String nsp, long ackId, String json) {
        boolean isEvent() {
            return type == EVENT || type == BINARY_EVENT;
        }

        /** The packet as an Engine.IO message frame. */
        String encode() {
            StringBuilder sb = new StringBuilder(16 + (json == null ? 0 : json.length()));
            sb.append('4').append(type);
            if (type == BINARY_EVENT || type == BINARY_ACK) {
                sb.append(attachments).append('-');
            }
            if (!"/".equals(nsp)) {
                sb.append(nsp).append(',');
            }
            if (ackId >= 0) {
                sb.append(ackId);
            }
            if (json != null) {
                sb.append(json);
            }
            return sb.toString();
        }

        Packet withJson(String newJson) {
            return new Packet(type, attachments, nsp, ackId, newJson);
        }
    }

    /** The Socket.IO packet in an Engine.IO message frame ({@code 4...}), or null when the frame is not one. */
    static Packet parse(String frame) {
        if (frame == null || frame.length() < 2 || frame.charAt(0) != '4') {
            return null;
        }
        int n = frame.length();
        char t = frame.charAt(1);
        if (t < '0' || t > '6') {
            return null;
        }
        int type = t - '0';
        int i = 2;
        int attachments = 0;
        if (type == BINARY_EVENT || type == BINARY_ACK) {
            int start = i;
            while (i < n && frame.charAt(i) != '-') {
                if (!Character.isDigit(frame.charAt(i)) || i - start > 6) {
                    return null;
                }
                i++;
            }
            if (i == n || i == start) {
                return null;
            }
            attachments = Integer.parseInt(frame.substring(start, i));
            i++;
        }
        String nsp = "/";
        if (i < n && frame.charAt(i) == '/') {
            int start = i;
            while (i < n && frame.charAt(i) != ',') {
                i++;
            }
            nsp = frame.substring(start, i);
            if (i < n) {
                i++; // the comma
            }
        }
        long ackId = -1;
        int start = i;
        while (i < n && Character.isDigit(frame.charAt(i)) && i - start < 16) {
            i++;
        }
        if (i > start) {
            ackId = Long.parseLong(frame.substring(start, i));
        }
        String json = i < n ? frame.substring(i) : null;
        return new Packet(type, attachments, nsp, ackId, json);
    }

    /** An EVENT packet on {@code nsp}: {@code 42/nsp,["event",payload]}. */
    static String event(String nsp, String argsJson) {
        return new Packet(EVENT, 0, nsp, -1, argsJson).encode();
    }
}
