package dev.moat.server.http;

/** {@code host:port} for messages and logs, with an IPv6 host in brackets. */
public final class Listen {
    private Listen() {
    }

    public static String format(String host, int port) {
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }
}
