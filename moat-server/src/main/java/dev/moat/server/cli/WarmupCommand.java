package dev.moat.server.cli;

import dev.moat.server.MoatServer;
import dev.moat.server.config.MoatConfig;
import dev.moat.server.config.ServerSettings;
import dev.moat.server.config.StoreSettings;
import picocli.CommandLine.Command;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code moat cds-warmup} (hidden): starts a server on a free loopback port with its data in a
 * temporary directory, asks it a few questions, and stops. The launcher runs it once per built
 * jar under {@code -XX:ArchiveClassesAtExit}, so that later starts load their classes from a
 * class-data-sharing archive instead of parsing and verifying them again (start-up is mostly
 * class loading).
 */
@Command(name = "cds-warmup", hidden = true, description = "Start, exercise and stop a throwaway server (for the CDS archive).")
final class WarmupCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("moat-warmup-");
        try {
            MoatConfig config = new MoatConfig(
                    new ServerSettings("127.0.0.1", 0, List.of(), List.of(), 64 * 1024, false),
                    new StoreSettings("memory", dir.toString(), 10_000, null), null, null, null, "warmup");
            try (MoatServer server = MoatServer.start(() -> config)) {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                String base = "http://127.0.0.1:" + server.port();
                for (String[] call : new String[][]{
                        {"GET", "/healthz", null},
                        {"POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"192.0.2.1\"}"},
                        {"POST", "/v1/check", "{\"action\":\"nope\",\"ip\":\"192.0.2.1\"}"},
                        {"POST", "/v1/violations", "{\"type\":\"spam\",\"user\":\"warmup\"}"},
                        {"GET", "/v1/bans", null},
                        {"GET", "/metrics", null}}) {
                    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(base + call[1])).timeout(Duration.ofSeconds(10));
                    r.method(call[0], call[2] == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofString(call[2]));
                    http.send(r.build(), HttpResponse.BodyHandlers.discarding());
                }
            }
            return ExitCode.OK;
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
