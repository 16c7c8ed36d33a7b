package dev.moat.bench.relay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The open-loop latency phases both relay benchmarks run: after a warm-up of {@value #WARM_UP_MILLIS} ms per
 * side at the same rate (not counted), {@value #ROUNDS} interleaved rounds, each
 * a short phase of every side (direct, gateway, nginx when it runs), forwards in even rounds and
 * backwards in odd ones, so that drift of the machine hits every side alike.
 *
 * <p>Why rounds. This machine is a guest: its hypervisor takes a core away for milliseconds at a
 * time (steal), and a stall of a few milliseconds in one long phase moves that phase's p99 by
 * more than the 1 ms being asked about. Short interleaved rounds put the sides a second apart,
 * and the median over rounds of (gateway p99 − direct p99) is what the gateway adds when a stall
 * did not happen to land on one side only. The pooled percentiles (every round trip of a side)
 * are reported as before; the steal of each side's rounds, from /proc/stat, says how much of a
 * pooled tail the hypervisor made.
 */
record LatencyPhases(Side direct, Side gateway, Side nginx) {
    static final int ROUNDS = 10;
    static final long WARM_UP_MILLIS = 3000;

    /**
     * One side's rounds, in order, and the time the hypervisor stole from all cores while they ran
     * (ms; -1 unknown), with every round trip of every round and how late the pacer woke, each sorted
     * (ns), and each round's p99 (ns), worked out once.
     */
    record Side(List<RelayClients.Latency> rounds, long stealMillis, long[] rtts, long[] pacerLag, long[] roundP99s) {
        static Side of(List<RelayClients.Latency> rounds, long stealMillis) {
            return new Side(rounds, stealMillis,
                    GatewayRelay.merged(rounds.stream().map(RelayClients.Latency::rtts).toArray(long[][]::new)),
                    GatewayRelay.merged(rounds.stream().map(RelayClients.Latency::pacerLag).toArray(long[][]::new)),
                    rounds.stream().mapToLong(l -> GatewayRelay.pct(l.rtts(), 99)).toArray());
        }

        /** The pooled RESULT lines of this side: samples, p50, p99, p99.9 and max of every round trip (µs). */
        void printPercentiles(String name) {
            System.out.printf("RESULT %s_samples %d%n", name, rtts.length);
            System.out.printf("RESULT %s_p50_us %.1f%n", name, GatewayRelay.pct(rtts, 50) / 1000.0);
            System.out.printf("RESULT %s_p99_us %.1f%n", name, GatewayRelay.pct(rtts, 99) / 1000.0);
            System.out.printf("RESULT %s_p999_us %.1f%n", name, GatewayRelay.pct(rtts, 99.9) / 1000.0);
            System.out.printf("RESULT %s_max_us %.1f%n", name, rtts.length == 0 ? 0 : rtts[rtts.length - 1] / 1000.0);
        }
    }

    /**
     * Runs {@value #ROUNDS} rounds; each side gets {@code millisPerSide} in all ({@code viaNginx}
     * may be null: no nginx side).
     */
    static LatencyPhases run(RelayClients direct, RelayClients through, RelayClients viaNginx, int rate,
                             long millisPerSide) throws Exception {
        long roundMillis = Math.max(200, millisPerSide / ROUNDS);
        List<RelayClients> sides = new ArrayList<>(List.of(direct, through));
        if (viaNginx != null) {
            sides.add(viaNginx);
        }
        List<List<RelayClients.Latency>> rounds = new ArrayList<>();
        long[] steal = new long[sides.size()];
        for (int s = 0; s < sides.size(); s++) {
            rounds.add(new ArrayList<>());
        }
        // warm-up, not counted: one message at a time takes other code than the closed loop did (a
        // flush scheduled as a task, a frame cut across reads), which the JIT compiles only once it
        // runs; on a one-core process those compilations share the core with the event loop
        for (RelayClients side : sides) {
            side.latency(rate, WARM_UP_MILLIS);
        }
        for (int r = 0; r < ROUNDS; r++) {
            for (int k = 0; k < sides.size(); k++) {
                int s = r % 2 == 0 ? k : sides.size() - 1 - k;
                long before = Steal.millis();
                rounds.get(s).add(sides.get(s).latency(rate, roundMillis));
                long after = Steal.millis();
                steal[s] = before < 0 || after < 0 || steal[s] < 0 ? -1 : steal[s] + after - before;
            }
        }
        return new LatencyPhases(Side.of(rounds.get(0), steal[0]), Side.of(rounds.get(1), steal[1]),
                viaNginx == null ? null : Side.of(rounds.get(2), steal[2]));
    }

    /** Each round's (this side's p99 − the direct side's p99), in ns. */
    private long[] addedP99s(Side side) {
        long[] added = side.roundP99s().clone();
        for (int r = 0; r < added.length; r++) {
            added[r] -= direct.roundP99s()[r];
        }
        return added;
    }

    /** The RESULT lines of the rounds: medians, rounds under 1 ms, and each side's steal. */
    void printRounds() {
        System.out.printf("RESULT latency_rounds %d%n", ROUNDS);
        System.out.printf("RESULT latency_warm_up_ms %d%n", WARM_UP_MILLIS);
        long[] added = addedP99s(gateway);
        System.out.printf("RESULT direct_round_median_p99_us %.1f%n", median(direct.roundP99s()) / 1000.0);
        System.out.printf("RESULT added_p99_round_median_us %.1f%n", median(added) / 1000.0);
        System.out.printf("RESULT added_p99_rounds_under_1ms %d%n", Arrays.stream(added).filter(a -> a < 1_000_000).count());
        System.out.printf("RESULT direct_steal_ms %d%n", direct.stealMillis());
        System.out.printf("RESULT gateway_steal_ms %d%n", gateway.stealMillis());
        if (nginx != null) {
            System.out.printf("RESULT nginx_added_p99_round_median_us %.1f%n", median(addedP99s(nginx)) / 1000.0);
            System.out.printf("RESULT nginx_steal_ms %d%n", nginx.stealMillis());
        }
        StringBuilder line = new StringBuilder("latency rounds, p99 us (direct/gateway");
        line.append(nginx == null ? "):" : "/nginx):");
        for (int r = 0; r < ROUNDS; r++) {
            line.append(' ').append(direct.roundP99s()[r] / 1000).append('/').append(gateway.roundP99s()[r] / 1000);
            if (nginx != null) {
                line.append('/').append(nginx.roundP99s()[r] / 1000);
            }
        }
        System.out.println(line);
    }

    private static long median(long[] values) {
        long[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

}
