package dev.moat.server.gateway;

import dev.moat.core.identity.Cidr;
import dev.moat.core.identity.IpAddress;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open WebSocket connections of this node, by user and by client address, with the caps on
 * both. Counting is exact under concurrency: a cap is checked and taken in one atomic step.
 */
final class Connections {
    private final ConcurrentHashMap<String, Set<WsConnection>> byUser = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<IpAddress, Integer> perIp = new ConcurrentHashMap<>();
    private final Set<WsConnection> all = ConcurrentHashMap.newKeySet();

    /** Takes one connection slot of {@code ip}; false when {@code max} (>0) are taken. */
    boolean reserveIp(IpAddress ip, int max) {
        boolean[] ok = {true};
        perIp.compute(ip, (k, n) -> {
            int c = n == null ? 0 : n;
            if (max > 0 && c >= max) {
                ok[0] = false;
                return n;
            }
            return c + 1;
        });
        return ok[0];
    }

    void releaseIp(IpAddress ip) {
        perIp.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
    }

    /** Adds a connection of {@code user}; false when {@code max} (>0) are open. */
    boolean addUser(String user, WsConnection c, int max) {
        boolean[] ok = {true};
        byUser.compute(user, (k, set) -> {
            Set<WsConnection> s = set == null ? ConcurrentHashMap.newKeySet() : set;
            if (max > 0 && s.size() >= max && !s.contains(c)) {
                ok[0] = false;
                return set;
            }
            s.add(c);
            return s;
        });
        return ok[0];
    }

    /** How many connections {@code user} has open here. */
    int countUser(String user) {
        Set<WsConnection> s = byUser.get(user);
        return s == null ? 0 : s.size();
    }

    void removeUser(String user, WsConnection c) {
        byUser.computeIfPresent(user, (k, s) -> {
            s.remove(c);
            return s.isEmpty() ? null : s;
        });
    }

    void add(WsConnection c) {
        all.add(c);
    }

    void remove(WsConnection c) {
        all.remove(c);
    }

    List<WsConnection> ofUser(String user) {
        Set<WsConnection> s = byUser.get(user);
        return s == null ? List.of() : new ArrayList<>(s);
    }

    List<WsConnection> inside(Cidr cidr) {
        List<WsConnection> out = new ArrayList<>();
        for (WsConnection c : all) {
            if (cidr.contains(c.ip())) {
                out.add(c);
            }
        }
        return out;
    }

    List<WsConnection> all() {
        return new ArrayList<>(all);
    }

    int size() {
        return all.size();
    }
}
