package dev.moat.server.gateway;

/**
 * A violation of RFC 6455 by the peer, with the close code to answer it with: 1002 (protocol error),
 * 1009 (message too big) or 1007 (text that is not UTF-8). The message says what was wrong.
 */
final class WsProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    /** RFC 6455 7.4.1: the peer broke the protocol. */
    static final int PROTOCOL_ERROR = 1002;
    /** RFC 6455 7.4.1: a text message's bytes are not UTF-8. */
    static final int INVALID_PAYLOAD = 1007;
    /** RFC 6455 7.4.1: a message too big to process. */
    static final int MESSAGE_TOO_BIG = 1009;

    /** The close code to send the peer. */
    final int closeCode;

    WsProtocolException(int closeCode, String message) {
        super(message);
        this.closeCode = closeCode;
    }
}
