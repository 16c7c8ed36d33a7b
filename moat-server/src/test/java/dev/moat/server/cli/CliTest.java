package dev.moat.server.cli;

import dev.moat.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

/** The CLI against a running server: readable output, --json, and the exit codes scripts rely on. */
class CliTest {
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.withKeys();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    record Run(int code, String out, String err) {
    }

    static Run moat(String... args) {
        CommandLine cl = MoatCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    String[] remote(String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--url";
        all[args.length + 1] = s.url();
        all[args.length + 2] = "--key";
        all[args.length + 3] = TestServer.ADMIN_KEY;
        return all;
    }

    @Test
    void checkExitsZeroWhenAllowedAndOneWhenRefused() {
        for (int i = 0; i < 7; i++) {
            Run r = moat(remote("check", "--action", "login", "--ip", "192.0.2.200"));
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).startsWith("allow");
        }
        Run refused = moat(remote("check", "--action", "login", "--ip", "192.0.2.200"));
        assertThat(refused.code()).isEqualTo(ExitCode.NO);
        assertThat(refused.out()).startsWith("deny: rate_limited").contains("retry after");
        Run json = moat(remote("check", "--action", "login", "--ip", "192.0.2.200", "--dry-run", "--json"));
        assertThat(json.code()).isEqualTo(ExitCode.NO);
        assertThat(json.out()).contains("\"verdict\" : \"deny\"");
    }

    @Test
    void bansCanBeAddedListedAndLifted() {
        Run add = moat(remote("bans", "add", "cidr:198.18.0.0/15", "--duration", "2h", "--reason", "botnet"));
        assertThat(add.code()).as(add.err()).isZero();
        assertThat(add.out()).contains("cidr:198.18.0.0/15").contains("botnet");
        Run list = moat(remote("bans", "list", "--subject", "198.18"));
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains("SUBJECT").contains("cidr:198.18.0.0/15").contains("manual");
        assertThat(moat(remote("bans", "list", "--json")).out()).contains("\"bans\"");
        assertThat(moat(remote("bans", "remove", "cidr:198.18.0.0/15")).code()).isZero();
        Run again = moat(remote("bans", "remove", "cidr:198.18.0.0/15"));
        assertThat(again.code()).isEqualTo(ExitCode.NO);
        assertThat(again.err()).contains("404");
    }

    @Test
    void gatewayDisconnectSaysWhatItDidAndNeedsAUser() {
        Run r = moat(remote("gateway", "disconnect", "--user", "alice", "--reason", "suspended"));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("this node runs no gateway").contains("no other node told");
        Run json = moat(remote("gateway", "disconnect", "--user", "alice", "--json"));
        assertThat(json.code()).isZero();
        assertThat(json.out()).contains("\"closed\" : 0").contains("\"broadcast\" : false");
        assertThat(moat(remote("gateway", "disconnect")).code()).isEqualTo(ExitCode.USAGE);
        Run bad = moat(remote("gateway", "disconnect", "--user", "user:"));
        assertThat(bad.code()).isEqualTo(ExitCode.USAGE);
        assertThat(bad.err()).contains("400").contains("user:");
    }

    @Test
    void violationsCanBeShownAndReset() {
        s.call("POST", "/v1/violations", "{\"type\":\"spam\",\"user\":\"cli-v\",\"score\":3}", TestServer.CLIENT_KEY);
        Run show = moat(remote("violations", "show", "user:cli-v"));
        assertThat(show.code()).as(show.err()).isZero();
        assertThat(show.out()).contains("user:cli-v").contains("spam").contains("3");
        assertThat(moat(remote("violations", "reset", "user:cli-v", "--reason", "test")).code()).isZero();
        assertThat(moat(remote("violations", "show", "user:cli-v", "--json")).out()).contains("\"kind\" : \"reset\"");
    }

    @Test
    void theKeyDecidesAndIsNeverPrinted() {
        Run noKey = moat("bans", "list", "--url", s.url(), "--key", "wrong-key-wrong-key");
        assertThat(noKey.code()).isEqualTo(ExitCode.NO);
        assertThat(noKey.err()).contains("401");
        Run client = moat("bans", "list", "--url", s.url(), "--key", TestServer.CLIENT_KEY);
        assertThat(client.code()).isEqualTo(ExitCode.NO);
        assertThat(client.err()).contains("403").doesNotContain(TestServer.CLIENT_KEY);
        assertThat(moat("bans", "list", "--help").out()).doesNotContain(TestServer.ADMIN_KEY);
    }

    @Test
    void anUnreachableServerIsExitCodeThree() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Run r = moat("bans", "list", "--url", "http://127.0.0.1:" + port, "--timeout", "2");
        assertThat(r.code()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(r.err()).contains("cannot connect");
    }

    @Test
    void usageErrorsAreExitCodeTwo() {
        assertThat(moat("check", "--ip", "1.2.3.4").code()).isEqualTo(ExitCode.USAGE);
        assertThat(moat("no-such-command").code()).isEqualTo(ExitCode.USAGE);
        assertThat(moat(remote("check", "--action", "teleport", "--ip", "1.2.3.4")).code()).isEqualTo(ExitCode.USAGE);
        assertThat(moat("presets", "show", "enormous").code()).isEqualTo(ExitCode.USAGE);
    }

    @Test
    void presetsAreListedAndShownAsYaml() {
        Run list = moat("presets", "list");
        assertThat(list.code()).isZero();
        assertThat(list.out()).contains("private_small").contains("public_large").contains("none");
        Run show = moat("presets", "show", "private_small");
        assertThat(show.code()).isZero();
        assertThat(show.out()).startsWith("rate_limits:").contains("preset: private_small").contains("login:")
                .contains("registration:").contains("federation:");
    }

    @Test
    void theHiddenWarmupStartsAndStopsAThrowawayServer() {
        Run r = moat("cds-warmup");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(moat("--help").out()).doesNotContain("cds-warmup");
    }

    @Test
    void theEmbeddedDefaultConfigChecksAndExplains() {
        Run check = moat("config", "check");
        assertThat(check.code()).as(check.err()).isZero();
        assertThat(check.out()).startsWith("ok: the embedded default").contains("127.0.0.1:7878").contains("private_small");
        Run explain = moat("config", "explain");
        assertThat(explain.code()).isZero();
        assertThat(explain.out()).contains("rate_limits:").contains("bans:").contains("interval: 20");
    }
}
