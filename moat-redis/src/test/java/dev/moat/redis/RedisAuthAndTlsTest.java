package dev.moat.redis;

import dev.moat.core.Moat;
import dev.moat.core.limit.LimitSpec;
import dev.moat.core.store.LimitCall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The URI forms docs/redis.md promises: an ACL user with the narrow rights it documents
 * ({@code redis://user:password@host:port}), and TLS ({@code rediss://}).
 */
class RedisAuthAndTlsTest {
    /** The ACL docs/redis.md recommends for Moat's user, with the default prefix. */
    private static final String[] MOAT_ACL = {"--user", "moat", "on", ">s3cret", "resetkeys", "~{moat:v1:*", "~moat:v1:*",
        "resetchannels", "&moat:v1:*", "-@all", "+@read", "+@write", "+@scripting", "+@pubsub", "+@connection",
        "-script|flush", "-script|kill"};

    private static void exercise(RedisStores stores) {
        assertThat(stores.redisUp()).isTrue();
        long now = System.currentTimeMillis();
        String key = "client.target.login|user:" + UUID.randomUUID();
        assertThat(stores.limitStore().consume(List.of(new LimitCall(key, LimitSpec.gcra(2, 60_000).limiter(), 1)), now, false)[0]
                .remaining()).isEqualTo(1);
        assertThat(stores.limitStore().consume(List.of(new LimitCall("client.global.invite|*", LimitSpec.gcra(100, 60_000).limiter(), 1)),
                now, false)[0].allowed()).isTrue();
        Moat moat = Moat.builder().limitStore(stores.limitStore()).stateStore(stores.stateStore()).build();
        RedisBanPropagation p = stores.propagation(moat);
        moat.ban("user:acl", Duration.ofMinutes(5).toMillis(), "test", "ops");
        moat.reportViolation("logins", "acl2", "203.0.113.7", null, null);
        assertThat(stores.stateStore().activeBans(now)).extracting(b -> b.subject()).contains("user:acl");
        assertThat(stores.stateStore().log("user:acl", null, 10).items()).isNotEmpty();
        assertThat(stores.redisUp()).as("no command was refused").isTrue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!p.subscribed() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(p.subscribed()).isTrue();
    }

    @Test
    void anAclUserWithTheDocumentedRightsIsEnough() {
        try (RedisServers.Server server = RedisServers.standalone(MOAT_ACL);
             RedisStores stores = RedisStores.open("redis://moat:s3cret@127.0.0.1:" + server.port(), List.of(), "moat",
                     "deny", 1000, null)) {
            exercise(stores);
        }
    }

    @Test
    void aWrongPasswordLeavesTheStoresInTheirFallback() {
        try (RedisServers.Server server = RedisServers.standalone(MOAT_ACL);
             RedisStores stores = RedisStores.open("redis://moat:wrong@127.0.0.1:" + server.port(), List.of(), "moat",
                     "deny", 250, null)) {
            assertThat(stores.redisUp()).isFalse();
            assertThat(stores.limitStore().consume(List.of(new LimitCall("k|user:x", LimitSpec.gcra(2, 60_000).limiter(), 1)),
                    System.currentTimeMillis(), false)[0].allowed()).as("deny").isFalse();
        }
    }

    @Test
    void tlsWithRediss(@TempDir Path certs) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(opensslAvailable(certs), "openssl is needed to make a test certificate");
        run(certs, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
                "-days", "2", "-subj", "/CN=moat-test-ca");
        run(certs, "openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "redis.key", "-out", "redis.csr",
                "-subj", "/CN=127.0.0.1");
        run(certs, "openssl", "x509", "-req", "-in", "redis.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "redis.crt", "-days", "2");
        int tlsPort = RedisServers.freePort();
        try (RedisServers.Server server = RedisServers.standalone("--tls-port", Integer.toString(tlsPort),
                "--tls-cert-file", certs.resolve("redis.crt").toString(), "--tls-key-file", certs.resolve("redis.key").toString(),
                "--tls-ca-cert-file", certs.resolve("ca.crt").toString(), "--tls-auth-clients", "no");
             RedisStores stores = RedisStores.open("rediss://127.0.0.1:" + tlsPort + "?verifyPeer=NONE", List.of(), "moat",
                     "deny", 1000, null)) {
            assertThat(server.alive()).isTrue();
            exercise(stores);
        }
    }

    private static boolean opensslAvailable(Path dir) {
        try {
            Process p = new ProcessBuilder("openssl", "version").directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("openssl-version.log").toFile()).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd)).isZero();
    }
}
