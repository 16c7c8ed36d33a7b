package dev.moat.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A CidrSet finds every member containing an address, across several prefix lengths. */
class CidrSetLookupTest {

    private static Cidr cidr(String text) {
        return Cidr.parse(text);
    }

    private static IpAddress ip(String text) {
        return IpAddress.parse(text);
    }

    @Test
    void matchingReturnsEveryContainingMemberLongestPrefixFirst() {
        CidrSet set = CidrSet.of(cidr("10.0.0.0/8"), cidr("10.1.0.0/16"), cidr("10.1.2.0/24"),
                cidr("10.1.2.3/32"), cidr("10.2.0.0/16"), cidr("192.168.0.0/16"));
        assertThat(set.matching(ip("10.1.2.3")))
                .containsExactly(cidr("10.1.2.3/32"), cidr("10.1.2.0/24"), cidr("10.1.0.0/16"), cidr("10.0.0.0/8"));
        assertThat(set.matching(ip("10.1.2.4"))).containsExactly(cidr("10.1.2.0/24"), cidr("10.1.0.0/16"), cidr("10.0.0.0/8"));
        assertThat(set.matching(ip("10.2.9.9"))).containsExactly(cidr("10.2.0.0/16"), cidr("10.0.0.0/8"));
        assertThat(set.matching(ip("11.0.0.0"))).isEmpty();
        assertThat(set.longestMatch(ip("10.1.2.4"))).isEqualTo(cidr("10.1.2.0/24"));
        assertThat(set.longestMatch(ip("11.0.0.0"))).isNull();
        assertThat(set.contains(ip("192.168.7.7"))).isTrue();
        assertThat(set.contains(ip("192.169.0.0"))).isFalse();
        assertThat(set.size()).isEqualTo(6);
    }

    @Test
    void ipv6MembersAtSeveralPrefixLengths() {
        CidrSet set = CidrSet.of(cidr("2001:db8::/32"), cidr("2001:db8:1::/48"), cidr("2001:db8:1:2::/64"),
                cidr("2001:db8:1:2::99/128"), cidr("::/0"));
        assertThat(set.matching(ip("2001:db8:1:2::99"))).containsExactly(cidr("2001:db8:1:2::99/128"),
                cidr("2001:db8:1:2::/64"), cidr("2001:db8:1::/48"), cidr("2001:db8::/32"), cidr("::/0"));
        assertThat(set.matching(ip("2001:db8:2::1"))).containsExactly(cidr("2001:db8::/32"), cidr("::/0"));
        assertThat(set.matching(ip("10.0.0.1"))).as("an IPv6 block never contains IPv4").isEmpty();
        assertThat(set.matching(ip("::ffff:10.0.0.1"))).isEmpty();
    }

    @Test
    void addAndRemove() {
        CidrSet set = new CidrSet();
        assertThat(set.isEmpty()).isTrue();
        assertThat(set.add(cidr("203.0.113.0/24"))).isTrue();
        assertThat(set.add(cidr("203.0.113.77/24"))).as("same block after masking").isFalse();
        assertThat(set.add(cidr("203.0.113.0/25"))).isTrue();
        assertThat(set.has(cidr("203.0.113.0/24"))).isTrue();
        assertThat(set.has(cidr("203.0.113.0/26"))).isFalse();
        assertThat(set.size()).isEqualTo(2);
        assertThat(set.matching(ip("203.0.113.1"))).containsExactly(cidr("203.0.113.0/25"), cidr("203.0.113.0/24"));

        assertThat(set.remove(cidr("203.0.113.0/25"))).isTrue();
        assertThat(set.remove(cidr("203.0.113.0/25"))).isFalse();
        assertThat(set.remove(cidr("198.51.100.0/24"))).isFalse();
        assertThat(set.matching(ip("203.0.113.1"))).containsExactly(cidr("203.0.113.0/24"));
        assertThat(set.remove(cidr("203.0.113.0/24"))).isTrue();
        assertThat(set.contains(ip("203.0.113.1"))).isFalse();
        assertThat(set.isEmpty()).isTrue();

        assertThat(set.add(cidr("203.0.113.0/24"))).as("a prefix length can come back").isTrue();
        assertThat(set.contains(ip("203.0.113.1"))).isTrue();
    }

    @Test
    void manyMembersAtOnePrefixLength() {
        CidrSet set = new CidrSet();
        for (int i = 0; i < 10_000; i++) {
            set.add(Cidr.of(IpAddress.parse("2001:db8:" + Integer.toHexString(i) + "::"), 64));
        }
        assertThat(set.size()).isEqualTo(10_000);
        assertThat(set.matching(ip("2001:db8:2a::5"))).containsExactly(cidr("2001:db8:2a::/64"));
        assertThat(set.contains(ip("2001:db9::"))).isFalse();
        assertThat(set.members()).hasSize(10_000);
    }

    @Test
    void membersListsIpv4ThenIpv6LongestPrefixFirst() {
        CidrSet set = CidrSet.of(cidr("::/0"), cidr("10.0.0.0/8"), cidr("2001:db8::/64"), cidr("10.0.0.0/16"));
        assertThat(set.members()).containsExactly(cidr("10.0.0.0/16"), cidr("10.0.0.0/8"), cidr("2001:db8::/64"), cidr("::/0"));
    }

    /** Readers racing with writers always see the blocks that are never removed. */
    @Test
    void readersNeverMissStableMembersWhileOthersChange() throws Exception {
        CidrSet set = CidrSet.of(cidr("10.0.0.0/8"), cidr("2001:db8::/32"));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(3);
        List<Thread> threads = new ArrayList<>();
        threads.add(new Thread(() -> {
            started.countDown();
            int i = 0;
            while (!stop.get()) {
                Cidr churn = Cidr.of(IpAddress.parse("10." + (i % 250) + ".0.0"), 9 + i % 24);
                Cidr churn6 = Cidr.of(IpAddress.parse("2001:db8:" + Integer.toHexString(i % 5000) + "::"), 33 + i % 96);
                set.add(churn);
                set.add(churn6);
                set.remove(churn);
                set.remove(churn6);
                i++;
            }
        }));
        for (int r = 0; r < 2; r++) {
            threads.add(new Thread(() -> {
                started.countDown();
                try {
                    for (int i = 0; i < 200_000; i++) {
                        IpAddress v4 = IpAddress.v4(0x0A000000L | (i * 2654435761L & 0xFFFFFFL));
                        if (!set.contains(v4) || !set.matching(v4).contains(cidr("10.0.0.0/8"))) {
                            throw new AssertionError("lost 10.0.0.0/8 for " + v4);
                        }
                        IpAddress v6 = IpAddress.parse("2001:db8:" + Integer.toHexString(i % 65536) + "::1");
                        if (set.longestMatch(v6) == null || !set.matching(v6).contains(cidr("2001:db8::/32"))) {
                            throw new AssertionError("lost 2001:db8::/32 for " + v6);
                        }
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        threads.forEach(Thread::start);
        started.await();
        for (Thread t : threads.subList(1, threads.size())) {
            t.join();
        }
        stop.set(true);
        threads.get(0).join();
        assertThat(failure.get()).isNull();
        assertThat(set.members()).containsExactly(cidr("10.0.0.0/8"), cidr("2001:db8::/32"));
    }
}
