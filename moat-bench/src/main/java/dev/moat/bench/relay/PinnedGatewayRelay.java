package dev.moat.bench.relay;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The gateway relay with the gateway on a core of its own, as production runs it in front of a
 * chat server: this JVM (the clients and the echo upstream) is meant to run under
 * {@code taskset -c 1}, and it starts Moat's gateway as a separate process ({@link GatewayProcess},
 * the same YAML as {@link GatewayRelay}) under {@code taskset -c 0}, and nginx, when
 * {@code MOAT_RELAY_NGINX} names it, under the same {@code taskset -c 0}. Throughput phases run direct,
 * gateway, (nginx, nginx,) gateway, direct, then interleaved latency rounds ({@link LatencyPhases}), as in {@link GatewayRelay}
 * (the gateway with no checks: after each gateway phase and before the second, closed loop only).
 *
 * <p>What it answers: whether the gateway keeps up with the traffic its own core is given, not
 * whether it fits beside the clients. The clients and the upstream have one core in every phase,
 * so on the direct path that core is the limit; through the gateway the limit is whichever core
 * saturates first, and {@code gateway_core_share} (the gateway process's CPU time over the
 * window's wall time) says which. CPU per message is given for each process on its own.
 *
 * <p>A second gateway process, the same but with {@code -Dmoat.relay.noChecks=true} (frames pass
 * with no engine call: no limits, no filters), runs closed-loop phases of its own beside the
 * gateway's: what the hop alone costs on this stack, so the cost of the checks reads as the
 * difference.
 *
 * <pre>taskset -c 1 java -cp moat-bench/target/benchmarks.jar dev.moat.bench.relay.PinnedGatewayRelay
 *      [connections=16] [window=32] [phaseSeconds=5] [ratePerSecond=10000] [dir]</pre>
 * {@code -Dmoat.relay.gatewayCpu=0} names the gateway's core; {@code -Dmoat.relay.latencyNoChecks=true} runs
 * the latency rounds through the no-check gateway (its RESULT lines keep the gateway's names);
 * {@code -Dmoat.relay.gatewayJvmArgs="..."} adds JVM options to both gateway processes (a profiler agent).
 */
public final class PinnedGatewayRelay {
    private PinnedGatewayRelay() {
    }

    public static void main(String[] args) throws Exception {
        RelayArgs run = RelayArgs.parse(args, "moat-relay-pinned");
        String cpu = System.getProperty("moat.relay.gatewayCpu", "0");
        List<String> pin = List.of("taskset", "-c", cpu);
        System.out.printf("pinned gateway relay: %d connections, window %d, %d s per phase, latency at %,d msg/s;"
                        + " this process sees %d core(s), the gateway and nginx run on core %s%n",
                run.connections(), run.window(), run.phaseSeconds(), run.rate(), Runtime.getRuntime().availableProcessors(), cpu);

        int loops = Math.max(1, Runtime.getRuntime().availableProcessors());
        Vertx upstreamVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        Vertx clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        EchoUpstream upstream = EchoUpstream.start(upstreamVertx);

        Gw gw = Gw.start(pin, upstream.port(), run.dir().resolve("gateway"), false);
        // the same gateway with no engine call per frame (frames: action none): the hop itself
        Gw bare = Gw.start(pin, upstream.port(), run.dir().resolve("gateway-nochecks"), true);
        long exp = System.currentTimeMillis() / 1000 + 3600;
        RelayClients direct = RelayClients.open(clientVertx, upstream.port(), "/ws", run.connections(), i -> Map.of());
        IntFunction<Map<String, String>> auth = i -> Map.of(
                "Authorization", "Bearer " + Hs256Token.of(GatewayRelay.SECRET, "bench-" + i, exp),
                "X-Forwarded-For", "10.0." + (i / 250) + "." + (1 + i % 250));
        RelayClients through = RelayClients.open(clientVertx, gw.port(), "/ws", run.connections(), auth);
        RelayClients throughBare = RelayClients.open(clientVertx, bare.port(), "/ws", run.connections(), auth);
        String nginxBinary = System.getenv("MOAT_RELAY_NGINX");
        NginxWsProxy nginx = nginxBinary == null || nginxBinary.isBlank() ? null
                : NginxWsProxy.start(pin, nginxBinary, upstream.port(), run.dir());
        RelayClients viaNginx = nginx == null ? null
                : RelayClients.open(clientVertx, nginx.port(), "/ws", run.connections(), i -> Map.of());
        ProcessHandle gwHandle = gw.process().toHandle();
        ProcessHandle bareHandle = bare.process().toHandle();
        try {
            long phaseMillis = run.phaseMillis();
            direct.throughput(run.window(), Math.max(1000, phaseMillis / 2));
            through.throughput(run.window(), Math.max(5000, 2 * phaseMillis)); // the gateway's JVM is cold: C2 shares its core
            throughBare.throughput(run.window(), Math.max(5000, 2 * phaseMillis));

            RelayClients.Throughput d1 = direct.throughput(run.window(), phaseMillis);
            RelayClients.Throughput g1 = through.throughput(run.window(), phaseMillis, () -> cpuNanos(gwHandle));
            RelayClients.Throughput b1 = throughBare.throughput(run.window(), phaseMillis, () -> cpuNanos(bareHandle));
            RelayClients.Throughput n1 = viaNginx == null ? null : viaNginx.throughput(run.window(), phaseMillis, nginx::cpuNanos);
            RelayClients.Throughput n2 = viaNginx == null ? null : viaNginx.throughput(run.window(), phaseMillis, nginx::cpuNanos);
            RelayClients.Throughput b2 = throughBare.throughput(run.window(), phaseMillis, () -> cpuNanos(bareHandle));
            RelayClients.Throughput g2 = through.throughput(run.window(), phaseMillis, () -> cpuNanos(gwHandle));
            RelayClients.Throughput d2 = direct.throughput(run.window(), phaseMillis);
            System.out.printf("throughput (msg/s echoed): direct %.0f, %.0f; gateway %.0f, %.0f%n",
                    d1.perSecond(), d2.perSecond(), g1.perSecond(), g2.perSecond());
            System.out.printf("gateway process CPU per message (us): %.1f, %.1f; share of its core: %.2f, %.2f%n",
                    g1.otherCpuMicrosPerMessage(), g2.otherCpuMicrosPerMessage(), g1.otherCoreShare(), g2.otherCoreShare());

            // -Dmoat.relay.latencyNoChecks=true: the latency rounds through the no-check gateway instead
            // (for finding where a tail comes from: the relay, or the checks)
            RelayClients latencyVia = Boolean.getBoolean("moat.relay.latencyNoChecks") ? throughBare : through;
            LatencyPhases lat = LatencyPhases.run(direct, latencyVia, viaNginx, run.rate(), 2 * phaseMillis);

            long refused = gw.refused();
            System.out.println();
            System.out.printf("RESULT connections %d%n", run.connections());
            System.out.printf("RESULT window %d%n", run.window());
            System.out.printf("RESULT gateway_cpu %s%n", cpu);
            side("direct", d1, d2, lat.direct());
            side("gateway", g1, g2, lat.gateway());
            double d = (d1.perSecond() + d2.perSecond()) / 2;
            double g = (g1.perSecond() + g2.perSecond()) / 2;
            System.out.printf("RESULT throughput_ratio %.3f%n", g / d);
            long[] dl = lat.direct().rtts();
            long[] gl = lat.gateway().rtts();
            System.out.printf("RESULT latency_rate_per_second %d%n", run.rate());
            System.out.printf("RESULT added_p50_us %.1f%n", (GatewayRelay.pct(gl, 50) - GatewayRelay.pct(dl, 50)) / 1000.0);
            System.out.printf("RESULT added_p99_us %.1f%n", (GatewayRelay.pct(gl, 99) - GatewayRelay.pct(dl, 99)) / 1000.0);
            if (viaNginx != null) {
                side("nginx", n1, n2, lat.nginx());
                double n = (n1.perSecond() + n2.perSecond()) / 2;
                System.out.printf("RESULT gateway_to_nginx_throughput_ratio %.3f%n", g / n);
                long[] nl = lat.nginx().rtts();
                System.out.printf("RESULT nginx_added_p99_us %.1f%n", (GatewayRelay.pct(nl, 99) - GatewayRelay.pct(dl, 99)) / 1000.0);
            }
            lat.printRounds();
            System.out.printf("RESULT gateway_frames_refused %d%n", refused + through.errors());
            // throughput only: the open-loop latency phases stay with the gateway as deployed
            System.out.printf("RESULT nochecks_msgs_per_second %.0f%n", (b1.perSecond() + b2.perSecond()) / 2);
            System.out.printf("RESULT nochecks_client_cpu_us_per_msg %.2f%n", (b1.cpuMicrosPerMessage() + b2.cpuMicrosPerMessage()) / 2);
            System.out.printf("RESULT nochecks_process_cpu_us_per_msg %.2f%n",
                    (b1.otherCpuMicrosPerMessage() + b2.otherCpuMicrosPerMessage()) / 2);
            System.out.printf("RESULT nochecks_core_share %.2f%n", (b1.otherCoreShare() + b2.otherCoreShare()) / 2);
            System.out.printf("RESULT nochecks_frames_refused %d%n", bare.refused() + throughBare.errors());
        } finally {
            RelayClients.closeAll(direct, through, throughBare, viaNginx, nginx);
            gw.stop();
            bare.stop();
            upstream.close();
            clientVertx.close();
            upstreamVertx.close();
        }
        System.exit(0);
    }

    /** A {@link GatewayProcess} pinned like the gateway, and the pipe to ask it for its refusals. */
    private record Gw(Process process, int port, BufferedReader out, PrintStream in) {
        static Gw start(List<String> pin, int upstreamPort, Path dir, boolean noChecks) throws Exception {
            List<String> command = new ArrayList<>(pin);
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            if (noChecks) {
                command.add("-Dmoat.relay.noChecks=true");
            }
            // extra JVM options for the gateway processes, e.g. a profiler agent (docs/gateway.md)
            String extra = System.getProperty("moat.relay.gatewayJvmArgs", "").trim();
            if (!extra.isEmpty()) {
                command.addAll(List.of(extra.split("\\s+")));
            }
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), GatewayProcess.class.getName(),
                    Integer.toString(upstreamPort), dir.toString()));
            Files.createDirectories(dir);
            Process p = new ProcessBuilder(command).redirectError(dir.resolve("gateway.log").toFile()).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            PrintStream in = new PrintStream(p.getOutputStream(), true, StandardCharsets.UTF_8);
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("GATEWAY_PORT ")) {
                    return new Gw(p, Integer.parseInt(line.substring(13).trim()), out, in);
                }
            }
            throw new IllegalStateException("the gateway process did not start: see " + dir.resolve("gateway.log"));
        }

        /** Frames the gateway refused so far, by its own count. */
        long refused() throws java.io.IOException {
            in.println("stats");
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("STATS ")) {
                    return Long.parseLong(line.substring(6).trim());
                }
            }
            return -1;
        }

        void stop() throws InterruptedException {
            in.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** One path's RESULT lines: the mean rate of its two closed-loop phases, CPU per message, percentiles of both open-loop phases. */
    private static void side(String name, RelayClients.Throughput a, RelayClients.Throughput b,
                             LatencyPhases.Side latency) {
        System.out.printf("RESULT %s_msgs_per_second %.0f%n", name, (a.perSecond() + b.perSecond()) / 2);
        System.out.printf("RESULT %s_client_cpu_us_per_msg %.2f%n", name, (a.cpuMicrosPerMessage() + b.cpuMicrosPerMessage()) / 2);
        if (!Double.isNaN(a.otherCpuMicrosPerMessage())) {
            System.out.printf("RESULT %s_process_cpu_us_per_msg %.2f%n", name,
                    (a.otherCpuMicrosPerMessage() + b.otherCpuMicrosPerMessage()) / 2);
            System.out.printf("RESULT %s_core_share %.2f%n", name, (a.otherCoreShare() + b.otherCoreShare()) / 2);
        }
        latency.printPercentiles(name);
        System.out.printf("RESULT %s_pacer_lag_p99_us %.1f%n", name, GatewayRelay.pct(latency.pacerLag(), 99) / 1000.0);
    }

    /** CPU time (ns) of a process and its descendants so far (nginx's worker is a child of its master). */
    static long cpuNanos(ProcessHandle p) {
        long total = p.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
        for (ProcessHandle c : (Iterable<ProcessHandle>) p.descendants()::iterator) {
            total += c.info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
        }
        return total;
    }
}
