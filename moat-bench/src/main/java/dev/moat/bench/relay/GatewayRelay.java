package dev.moat.bench.relay;

import dev.moat.server.MoatServer;
import dev.moat.server.config.ConfigLoader;
import dev.moat.server.config.MoatConfig;
import dev.moat.server.gateway.Gateway;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * WebSocket relay through Moat's gateway against a direct connection to the same upstream, side by
 * side in one JVM and one run (issue 9's gateway row; targets: at least 80% of the direct
 * throughput, and under 1 ms of added p99 at 10,000 messages per second).
 *
 * <p>The upstream is a Vert.x echo server. The gateway runs inside a real {@link MoatServer}
 * started from YAML, as {@code moat serve} would: the default store (memory counters, SQLite
 * state), a required HS256 JWT per connection, {@code ws_message} limited per user and per
 * address at a rate so high that every frame is admitted, every frame a chat message
 * ({@code messages} extractor) so the content checks (a block filter) run on its text. The
 * clients are the same code for both paths. Throughput phases run in the order direct, gateway,
 * gateway, direct, so a drift in the machine's load hits both sides alike, and each side's figure
 * is the mean of its two phases; latency runs in interleaved rounds ({@link LatencyPhases}), and
 * each side's percentiles are of all its rounds' samples together, beside the median over rounds.
 *
 * <pre>java -cp moat-bench/target/benchmarks.jar dev.moat.bench.relay.GatewayRelay
 *      [connections=16] [window=32] [phaseSeconds=5] [ratePerSecond=10000] [dir]</pre>
 * With {@code -Dmoat.relay.gatewayOnly=true} it runs only the gateway's closed loop, with
 * {@code -Dmoat.relay.latencyOnly=true} only the latency phases, and with
 * {@code -Dmoat.relay.noChecks=true} frames are relayed without an engine call (both for a profiler);
 * {@code -Dmoat.relay.decisions=WORKER} (or another {@link Gateway.Decisions}) drives a second
 * gateway on the same engine that decides there, to compare with the server's choice.
 *
 * <p>With the environment variable {@code MOAT_RELAY_NGINX} naming an nginx binary, the same clients
 * also run through nginx proxying WebSockets to the same upstream (no checks at all: the cost of a
 * bare proxy hop), in phases between the gateway's. nginx is another process, so its row has rates
 * and latencies but no CPU per message.
 */
public final class GatewayRelay {
    static final String SECRET = "relay-benchmark-secret-that-is-long-enough-0123456789";

    private GatewayRelay() {
    }

    public static void main(String[] args) throws Exception {
        RelayArgs run = RelayArgs.parse(args, "moat-relay");
        System.out.printf("gateway relay: %d connections, window %d, %d s per phase, latency at %,d msg/s, %d cores,"
                        + " load average at start %.2f%n", run.connections(), run.window(), run.phaseSeconds(), run.rate(),
                Runtime.getRuntime().availableProcessors(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

        int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
        Vertx upstreamVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        Vertx clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        EchoUpstream upstream = EchoUpstream.start(upstreamVertx);
        MoatConfig config = ConfigLoader.parse(yaml(upstream.port(), run.dir()), "relay.yaml", Map.of());
        MoatServer moat = MoatServer.start(() -> config);
        Gateway gateway = moat.gateway();
        String decisions = System.getProperty("moat.relay.decisions");
        if (decisions != null) {
            // for a comparison: a second gateway on the same engine, deciding where it is told
            gateway = Gateway.start(Vertx.vertx(), moat.moat(), config.gateway(), moat.clientAddresses(),
                    Gateway.Decisions.valueOf(decisions));
            System.out.println("gateway decisions: " + decisions);
        }
        long exp = System.currentTimeMillis() / 1000 + 3600;
        RelayClients direct = RelayClients.open(clientVertx, upstream.port(), "/ws", run.connections(), i -> Map.of());
        RelayClients through = RelayClients.open(clientVertx, gateway.port(), "/ws", run.connections(),
                // each user from an address of their own (the server trusts 127.0.0.1 as a proxy), so
                // the per-address limit is one key per connection, as for users on their own networks
                i -> Map.of("Authorization", "Bearer " + Hs256Token.of(SECRET, "bench-" + i, exp),
                        "X-Forwarded-For", "10.0." + (i / 250) + "." + (1 + i % 250)));
        String nginxBinary = System.getenv("MOAT_RELAY_NGINX");
        NginxWsProxy nginx = nginxBinary == null || nginxBinary.isBlank() ? null
                : NginxWsProxy.start(nginxBinary, upstream.port(), run.dir());
        RelayClients viaNginx = nginx == null ? null
                : RelayClients.open(clientVertx, nginx.port(), "/ws", run.connections(), i -> Map.of());
        try {
            long phaseMillis = run.phaseMillis();
            if (Boolean.getBoolean("moat.relay.gatewayOnly")) {
                // for a profiler: only the gateway's closed loop, nothing to compare
                RelayClients.Throughput t = through.throughput(run.window(), phaseMillis);
                System.out.printf("gateway only: %.0f msg/s, %.1f us CPU per message, %.0f bytes allocated per message%n",
                        t.perSecond(), t.cpuMicrosPerMessage(), t.allocBytesPerMessage());
                return;
            }
            if (Boolean.getBoolean("moat.relay.latencyOnly")) {
                // for working on the harness: warm-up, then only the latency phases, direct and gateway
                direct.throughput(run.window(), 2000);
                through.throughput(run.window(), 2000);
                for (int round = 0; round < 2; round++) {
                    RelayClients.Latency a = direct.latency(run.rate(), phaseMillis);
                    RelayClients.Latency b = through.latency(run.rate(), phaseMillis);
                    System.out.printf("latency (us) p50/p99/p99.9: direct %.0f/%.0f/%.0f, gateway %.0f/%.0f/%.0f;"
                                    + " pacer lag p50/p99 %.0f/%.0f%n",
                            micros(pct(a.rtts(), 50)), micros(pct(a.rtts(), 99)), micros(pct(a.rtts(), 99.9)),
                            micros(pct(b.rtts(), 50)), micros(pct(b.rtts(), 99)), micros(pct(b.rtts(), 99.9)),
                            micros(pct(a.pacerLag(), 50)), micros(pct(a.pacerLag(), 99)));
                }
                return;
            }
            // warm-up: the JIT compiles both paths before anything is counted
            direct.throughput(run.window(), Math.max(1000, phaseMillis / 2));
            through.throughput(run.window(), Math.max(1000, phaseMillis / 2));

            RelayClients.Throughput d1 = direct.throughput(run.window(), phaseMillis);
            RelayClients.Throughput g1 = through.throughput(run.window(), phaseMillis);
            RelayClients.Throughput n1 = viaNginx == null ? null : viaNginx.throughput(run.window(), phaseMillis);
            RelayClients.Throughput n2 = viaNginx == null ? null : viaNginx.throughput(run.window(), phaseMillis);
            RelayClients.Throughput g2 = through.throughput(run.window(), phaseMillis);
            RelayClients.Throughput d2 = direct.throughput(run.window(), phaseMillis);
            System.out.printf("throughput (msg/s echoed): direct %.0f, %.0f; gateway %.0f, %.0f%n",
                    d1.perSecond(), d2.perSecond(), g1.perSecond(), g2.perSecond());
            System.out.printf("process CPU per echoed message (us): direct %.1f, %.1f; gateway %.1f, %.1f%n",
                    d1.cpuMicrosPerMessage(), d2.cpuMicrosPerMessage(), g1.cpuMicrosPerMessage(), g2.cpuMicrosPerMessage());
            System.out.printf("process allocation per echoed message (bytes): direct %.0f, %.0f; gateway %.0f, %.0f%n",
                    d1.allocBytesPerMessage(), d2.allocBytesPerMessage(), g1.allocBytesPerMessage(), g2.allocBytesPerMessage());
            double d = (d1.perSecond() + d2.perSecond()) / 2;
            double g = (g1.perSecond() + g2.perSecond()) / 2;
            double dCpu = (d1.cpuMicrosPerMessage() + d2.cpuMicrosPerMessage()) / 2;
            double gCpu = (g1.cpuMicrosPerMessage() + g2.cpuMicrosPerMessage()) / 2;

            LatencyPhases lat = LatencyPhases.run(direct, through, viaNginx, run.rate(), 2 * phaseMillis);
            long[] dl = lat.direct().rtts();
            long[] gl = lat.gateway().rtts();
            long[] lag = merged(lat.direct().pacerLag(), lat.gateway().pacerLag());
            Gateway.Stats stats = gateway.stats();
            System.out.println("gateway stats: " + stats);
            System.out.println();
            System.out.printf("RESULT connections %d%n", run.connections());
            System.out.printf("RESULT window %d%n", run.window());
            System.out.printf("RESULT direct_msgs_per_second %.0f%n", d);
            System.out.printf("RESULT gateway_msgs_per_second %.0f%n", g);
            System.out.printf("RESULT throughput_ratio %.3f%n", g / d);
            System.out.printf("RESULT direct_cpu_us_per_msg %.2f%n", dCpu);
            System.out.printf("RESULT gateway_cpu_us_per_msg %.2f%n", gCpu);
            System.out.printf("RESULT cpu_ratio %.3f%n", dCpu / gCpu);
            System.out.printf("RESULT direct_alloc_bytes_per_msg %.0f%n", (d1.allocBytesPerMessage() + d2.allocBytesPerMessage()) / 2);
            System.out.printf("RESULT gateway_alloc_bytes_per_msg %.0f%n", (g1.allocBytesPerMessage() + g2.allocBytesPerMessage()) / 2);
            System.out.printf("RESULT latency_rate_per_second %d%n", run.rate());
            lat.direct().printPercentiles("direct");
            lat.gateway().printPercentiles("gateway");
            // how late the pacer sent (the harness's own share; not in the round trips above)
            System.out.printf("RESULT pacer_lag_p50_us %.1f%n", micros(pct(lag, 50)));
            System.out.printf("RESULT pacer_lag_p99_us %.1f%n", micros(pct(lag, 99)));
            if (viaNginx != null) {
                long[] nl = lat.nginx().rtts();
                double n = (n1.perSecond() + n2.perSecond()) / 2;
                System.out.printf("throughput (msg/s echoed): nginx %.0f, %.0f%n", n1.perSecond(), n2.perSecond());
                System.out.printf("RESULT nginx_msgs_per_second %.0f%n", n);
                System.out.printf("RESULT gateway_to_nginx_throughput_ratio %.3f%n", g / n);
                lat.nginx().printPercentiles("nginx");
                System.out.printf("RESULT nginx_added_p99_us %.1f%n", micros(pct(nl, 99) - pct(dl, 99)));
            }
            System.out.printf("RESULT added_p50_us %.1f%n", micros(pct(gl, 50) - pct(dl, 50)));
            System.out.printf("RESULT added_p99_us %.1f%n", micros(pct(gl, 99) - pct(dl, 99)));
            lat.printRounds();
            System.out.printf("RESULT gateway_frames_refused %d%n", stats.framesRefused() + through.errors());
        } finally {
            RelayClients.closeAll(direct, through, viaNginx, nginx);
            moat.close();
            upstream.close();
            clientVertx.close();
            upstreamVertx.close();
        }
        System.exit(0);
    }

    /** The config: the gateway as a deployment would run it, limits that always admit, checks on. */
    static String yaml(int upstreamPort, Path dir) {
        String frames = Boolean.getBoolean("moat.relay.noChecks")
                ? "    action: none\n" // for a profiler: the relay alone, no engine call per frame
                : "    messages:\n      - {event: say, text: /text, room: /room}\n";
        return """
                server:
                  listen: 127.0.0.1:0
                  trusted_proxies: [127.0.0.1]
                store:
                  data_dir: %s
                rate_limits:
                  preset: none
                  client:
                    target:
                      ws_connect: {max: 1000000, per: 1s, by: ip}
                      ws_message:
                        - {max: 100000000, per: 1s, by: user}
                        - {max: 100000000, per: 1s, by: ip}
                filters:
                  - {name: crypto-spam, patterns: ['(?i)\\bfree\\s+(crypto|bitcoin)\\b'], where: [public, dm], action: block}
                gateway:
                  listen: 127.0.0.1:0
                  upstream: http://127.0.0.1:%d
                  jwt:
                    required: true
                    keys:
                      - secret: %s
                  websocket:
                    format: json
                %s    max_connections_per_user: 0
                    max_connections_per_ip: 0
                    per_connection: {max: 0}
                    ping_interval: 0
                """.formatted(dir.resolve("data"), upstreamPort, SECRET, frames);
    }

    /** All the samples of parts in one sorted array. */
    static long[] merged(long[]... parts) {
        long[] all = java.util.Arrays.stream(parts).flatMapToLong(java.util.Arrays::stream).toArray();
        java.util.Arrays.sort(all);
        return all;
    }

    /** The nearest-rank percentile of sorted samples. */
    static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
    }

    private static double micros(long nanos) {
        return nanos / 1000.0;
    }
}
