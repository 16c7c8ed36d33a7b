package dev.moat.bench.relay;

import dev.moat.server.MoatServer;
import dev.moat.server.config.ConfigLoader;
import dev.moat.server.config.MoatConfig;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Moat's gateway as a process of its own, for {@link PinnedGatewayRelay}: a real {@link MoatServer}
 * started from the same YAML as {@link GatewayRelay}'s ({@link GatewayRelay#yaml}) in front of the
 * given upstream port. It prints {@code GATEWAY_PORT <port>} once listening, answers a line
 * {@code stats} on stdin with {@code STATS <frames refused>}, and stops when stdin closes.
 *
 * <pre>java -cp benchmarks.jar dev.moat.bench.relay.GatewayProcess upstreamPort dir</pre>
 */
public final class GatewayProcess {
    private GatewayProcess() {
    }

    public static void main(String[] args) throws Exception {
        int upstreamPort = Integer.parseInt(args[0]);
        Path dir = Files.createDirectories(Path.of(args[1]));
        MoatConfig config = ConfigLoader.parse(GatewayRelay.yaml(upstreamPort, dir), "relay.yaml", Map.of());
        MoatServer moat = MoatServer.start(() -> config);
        System.out.println("GATEWAY_PORT " + moat.gateway().port());
        System.out.flush();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("stats")) {
                    System.out.println("STATS " + moat.gateway().stats().framesRefused());
                    System.out.flush();
                }
            }
        } finally {
            moat.close();
        }
        System.exit(0);
    }
}
