package dev.moat.server.config;

import dev.moat.core.identity.IpAddress;

import java.util.regex.Pattern;

/**
 * {@code host:port} as {@code server.listen} and {@code store.redis.nodes} write it: an IPv4
 * address, a host name, or an IPv6 address in brackets ({@code [::1]:7878}). IP literals are
 * normalised ({@code [0:0:0:0:0:0:0:1]} is {@code ::1}); the host is kept without brackets.
 */
record HostPort(String host, int port) {

    private static final Pattern HOSTNAME = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");

    /**
     * @param minPort 0 when "any free port" is meaningful (a listener), else 1
     * @throws IllegalArgumentException quoting the text and saying what is wrong
     */
    static HostPort parse(String text, int minPort) {
        String t = text.strip();
        String host;
        String port;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0 || close + 1 >= t.length() || t.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("expected [ipv6]:port such as [::1]:7878, got '" + text + "'");
            }
            host = t.substring(1, close);
            port = t.substring(close + 2);
            IpAddress a = IpAddress.tryParse(host);
            if (a == null || a.isV4()) {
                throw new IllegalArgumentException("'" + host + "' in '" + text + "' is not an IPv6 address");
            }
            host = a.toString();
        } else {
            int colon = t.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("expected host:port such as 127.0.0.1:7878, got '" + text + "'");
            }
            if (t.indexOf(':', colon + 1) >= 0) {
                throw new IllegalArgumentException("write an IPv6 address in brackets, e.g. [::1]:7878; got '" + text + "'");
            }
            host = t.substring(0, colon);
            port = t.substring(colon + 1);
            if (host.isEmpty()) {
                throw new IllegalArgumentException("no host in '" + text + "' (0.0.0.0 listens on every IPv4 address)");
            }
            if (host.matches("[0-9.]+")) {
                IpAddress a = IpAddress.tryParse(host);
                if (a == null) {
                    throw new IllegalArgumentException("'" + host + "' in '" + text + "' is not an IPv4 address");
                }
                host = a.toString();
            } else if (!HOSTNAME.matcher(host).matches()) {
                throw new IllegalArgumentException("'" + host + "' in '" + text + "' is not a host name or IP address");
            }
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            p = -1;
        }
        if (!port.matches("\\d{1,5}") || p < minPort || p > 65535) {
            throw new IllegalArgumentException("port must be " + minPort + " to 65535, got '" + port + "' in '" + text + "'");
        }
        return new HostPort(host, p);
    }

    /** The config form: IPv6 in brackets. */
    static String format(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
