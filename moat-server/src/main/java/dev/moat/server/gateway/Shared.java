package dev.moat.server.gateway;

import dev.moat.core.Moat;
import dev.moat.core.identity.ClientAddressResolver;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.net.NetClient;

import java.util.concurrent.atomic.LongAdder;

/** What every part of one running gateway shares: settings, engine, clients, connections, counters. */
final class Shared {
    final Vertx vertx;
    final Moat moat;
    final GatewaySettings settings;
    final ClientAddressResolver resolver;
    final Decider decider;
    final TokenVerifier tokens;
    final Connections connections = new Connections();
    final HttpClient http;
    /** Raw connections to the upstream for WebSockets (the handshake is {@link UpstreamUpgrade}). */
    final NetClient net;

    final LongAdder handshakesRefused = new LongAdder();
    final LongAdder framesForwarded = new LongAdder();
    final LongAdder framesRefused = new LongAdder();
    final LongAdder slowConsumers = new LongAdder();
    final LongAdder closedByMoat = new LongAdder();
    final LongAdder httpRefused = new LongAdder();

    Shared(Vertx vertx, Moat moat, GatewaySettings settings, ClientAddressResolver resolver, Decider decider,
           TokenVerifier tokens, HttpClient http, NetClient net) {
        this.vertx = vertx;
        this.moat = moat;
        this.settings = settings;
        this.resolver = resolver;
        this.decider = decider;
        this.tokens = tokens;
        this.http = http;
        this.net = net;
    }
}
