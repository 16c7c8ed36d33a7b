package dev.moat.bench;

import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.ManualClock;
import dev.moat.core.Moat;
import dev.moat.core.limit.LimitSpec;
import dev.moat.core.policy.By;
import dev.moat.core.policy.LimitConfig;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.RateLimits;
import dev.moat.core.policy.RealmLimits;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.local.SynchronizationStrategy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The whole in-process decision for a subject that is not banned: {@code Moat.check} of a
 * {@code message} from a user at an address, with 3,000 bans in force (2,000 users, 800
 * addresses, 200 CIDR blocks over six prefix lengths, IPv4 and IPv6) and three limits (per ip,
 * per user, and a global budget spent only after both passed). The requests come from 10,000
 * (user, address) pairs picked at random, so the per-target counters are many and the global one
 * is hot. Every limit admits (10^9 per second) on a fixed clock.
 *
 * <p>{@code bucket4jHandRolled} is a reference, not a like-for-like peer (bucket4j has no bans or
 * policies): what a service would write with bucket4j for the same rule, an exact ban lookup of the
 * user and the address in a set (no CIDR), then three buckets (per-ip and per-user from maps, one
 * global) tried in order. It does less than Moat: no identity parsing or normalisation, no CIDR
 * probes, no refund of the per-target tokens when the global budget refuses, and a boolean where
 * Moat returns a {@link Decision} with every limit's status.
 */
public class DecisionBenchmark {

    static final int SUBJECTS = 10_000;

    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public abstract static class Base {
        private Moat moat;
        private CheckRequest[] requests;
        private String[] users;
        private String[] ips;

        private final Set<String> bannedSubjects = ConcurrentHashMap.newKeySet();
        private final ConcurrentHashMap<String, Bucket> perIp = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<String, Bucket> perUser = new ConcurrentHashMap<>();
        private Bucket global;
        private Bandwidth bandwidth;

        @Setup(Level.Trial)
        public void setUp() {
            LimitSpec spec = LimitSpec.gcra(Peers.HUGE, Peers.HUGE_PER_MILLIS);
            RealmLimits client = new RealmLimits(
                    Map.of("message", List.of(LimitConfig.of(spec, By.IP), LimitConfig.of(spec, By.USER))),
                    Map.of("message", List.of(LimitConfig.of(spec))), Map.of());
            MoatPolicy policy = MoatPolicy.defaults().withRateLimits(new RateLimits("none", client, null, null));
            moat = Moat.builder().policy(policy).clock(new ManualClock(Peers.FIXED_MILLIS)).build();

            for (int i = 0; i < 2000; i++) {
                ban("user:@spammer" + i + ":example.org");
            }
            for (int i = 0; i < 800; i++) {
                ban("ip:198.51." + (i / 256) + "." + (i % 256));
            }
            int[] v4Prefixes = {16, 20, 22, 24};
            for (int i = 0; i < 160; i++) {
                int p = v4Prefixes[i % 4];
                ban("cidr:45." + (i % 256) + "." + (16 * (i / 4) % 256) + ".0/" + p);
            }
            for (int i = 0; i < 40; i++) {
                ban("cidr:2001:db8:" + Integer.toHexString(i) + "::/" + (i % 2 == 0 ? 48 : 64));
            }
            if (moat.activeBanCount() != 3000) {
                throw new IllegalStateException("expected 3000 bans, have " + moat.activeBanCount());
            }

            requests = new CheckRequest[SUBJECTS];
            users = new String[SUBJECTS];
            ips = new String[SUBJECTS];
            for (int i = 0; i < SUBJECTS; i++) {
                users[i] = "@user" + i + ":example.org";
                ips[i] = "100.64." + (i / 256) + "." + (i % 256);
                requests[i] = CheckRequest.builder("message").user(users[i]).ip(ips[i]).build();
                Decision d = moat.check(CheckRequest.builder("message").user(users[i]).ip(ips[i]).dryRun(true).build());
                if (!d.allowed() || d.limits().size() != 3) {
                    throw new IllegalStateException("subject " + i + " is not admitted by three limits: " + d);
                }
            }

            bandwidth = Peers.bandwidth(Peers.HUGE, Peers.HUGE_PER_MILLIS);
            global = Peers.bucket(bandwidth, true, SynchronizationStrategy.LOCK_FREE);
        }

        private void ban(String subject) {
            moat.ban(subject, 30L * 24 * 3600 * 1000, "benchmark", "bench");
            bannedSubjects.add(subject);
        }

        @Benchmark
        public Decision moat() {
            return moat.check(requests[ThreadLocalRandom.current().nextInt(SUBJECTS)]);
        }

        @Benchmark
        public boolean bucket4jHandRolled() {
            int i = ThreadLocalRandom.current().nextInt(SUBJECTS);
            String user = users[i];
            String ip = ips[i];
            if (bannedSubjects.contains(user) || bannedSubjects.contains(ip)) {
                return false;
            }
            return bucket(perIp, ip).tryConsume(1) && bucket(perUser, user).tryConsume(1) && global.tryConsume(1);
        }

        private Bucket bucket(ConcurrentHashMap<String, Bucket> map, String key) {
            return map.computeIfAbsent(key, k -> Peers.bucket(bandwidth, true, SynchronizationStrategy.LOCK_FREE));
        }
    }

    @Threads(1)
    public static class OneThread extends Base {
    }

    @Threads(2)
    public static class TwoThreads extends Base {
    }
}
