package dev.moat.bench.relay;

/**
 * The open-loop latency phases both relay benchmarks run, in this order so that drift of the
 * machine hits every side alike: direct, gateway, nginx, nginx, gateway, direct (the nginx phases
 * only when nginx runs; null otherwise).
 */
record LatencyPhases(RelayClients.Latency direct1, RelayClients.Latency gateway1, RelayClients.Latency nginx1,
                     RelayClients.Latency nginx2, RelayClients.Latency gateway2, RelayClients.Latency direct2) {
    static LatencyPhases run(RelayClients direct, RelayClients through, RelayClients viaNginx, int rate,
                             long phaseMillis) throws Exception {
        RelayClients.Latency d1 = direct.latency(rate, phaseMillis);
        RelayClients.Latency g1 = through.latency(rate, phaseMillis);
        RelayClients.Latency n1 = viaNginx == null ? null : viaNginx.latency(rate, phaseMillis);
        RelayClients.Latency n2 = viaNginx == null ? null : viaNginx.latency(rate, phaseMillis);
        RelayClients.Latency g2 = through.latency(rate, phaseMillis);
        RelayClients.Latency d2 = direct.latency(rate, phaseMillis);
        return new LatencyPhases(d1, g1, n1, n2, g2, d2);
    }
}
