package dev.moat.core.limit;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static dev.moat.core.limit.Driver.T0;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Moat's GCRA against a model of nginx's {@code limit_req zone=... rate=R burst=N nodelay}, on
 * the same request timelines.
 *
 * <p>The model follows ngx_http_limit_req_lookup (src/http/modules/ngx_http_limit_req_module.c):
 * per key, {@code excess} in thousandths of a request and {@code last} in ms; the rate is kept as
 * milli-requests per second ({@code R * 1000} for r/s, {@code R * 1000 / 60} truncated for r/m);
 * a request computes {@code excess = max(0, excess - rate * ms / 1000 + 1000)} (integer division)
 * and is refused when {@code excess > N * 1000}; an accepted request stores the new excess and
 * moves {@code last} only when {@code ms != 0}; a refused one changes nothing; a key seen for the
 * first time is accepted with excess 0. With {@code nodelay} the requests inside the burst are
 * served at once, so admission is the whole story.
 *
 * <p>nginx's burst counts the requests allowed on top of the one being served: burst=N admits N + 1
 * at once. So nginx burst=N is Moat burst N + 1 (and nginx excess = Moat debt - one interval).
 * With a rate in whole requests per second, {@code rate * ms / 1000} is exact and the two are the
 * same algorithm: they must agree on every request. With a rate per minute nginx truncates twice
 * (the rate to whole milli-requests per second, then each drain to whole milli-requests), so it
 * drains slightly slower than the exact rate: there the test asserts the direction of the
 * difference, not equality.
 */
class GcraVersusNginxLimitReqTest {

    /** One key of nginx's limit_req zone. */
    static final class NginxLimitReq {
        private final long rate;  // milli-requests per second, as ctx->rate
        private final long burst; // milli-requests, as limit->burst
        private boolean seen;
        private long excess;
        private long last;

        NginxLimitReq(long requests, boolean perMinute, long burstRequests) {
            this.rate = perMinute ? requests * 1000 / 60 : requests * 1000;
            this.burst = burstRequests * 1000;
        }

        boolean request(long now) {
            if (!seen) {
                seen = true;
                excess = 0;
                last = now;
                return true;
            }
            long ms = now - last;
            if (ms < -60000) {
                ms = 1;
            } else if (ms < 0) {
                ms = 0;
            }
            long e = excess - rate * ms / 1000 + 1000;
            if (e < 0) {
                e = 0;
            }
            if (e > burst) {
                return false;
            }
            excess = e;
            if (ms != 0) {
                last = now;
            }
            return true;
        }
    }

    @Test
    void withARatePerSecondEveryRequestGetsTheSameAnswer() {
        Random random = new Random(0x4E47_494EL);
        int compared = 0;
        int refused = 0;
        for (int timeline = 0; timeline < 400; timeline++) {
            long rate = 1 + random.nextInt(random.nextBoolean() ? 5 : 100);
            long nginxBurst = random.nextInt(4) == 0 ? 0 : random.nextInt(30);
            NginxLimitReq nginx = new NginxLimitReq(rate, false, nginxBurst);
            Driver moat = new Driver(LimitSpec.gcra(rate, 1000, nginxBurst + 1));
            long[] times = Timelines.generate(random, 500, 1000.0 / rate, 1000);
            for (int i = 0; i < times.length; i++) {
                boolean theirs = nginx.request(times[i]);
                Step ours = moat.hit(times[i]);
                assertThat(ours.allowed())
                        .as("rate=%dr/s burst=%d timeline %d request %d at +%d ms", rate, nginxBurst, timeline, i, times[i] - times[0])
                        .isEqualTo(theirs);
                refused += theirs ? 0 : 1;
            }
            compared += times.length;
        }
        assertThat(refused).isGreaterThan(compared / 10).isLessThan(compared * 9 / 10);
    }

    @Test
    void nginxBurstNAdmitsNPlusOneAtOnceWhichIsMoatBurstNPlusOne() {
        for (int n = 0; n <= 20; n++) {
            NginxLimitReq nginx = new NginxLimitReq(10, false, n);
            Driver moat = new Driver(LimitSpec.gcra(10, 1000, n + 1));
            int nginxAdmitted = 0;
            int moatAdmitted = 0;
            for (int i = 0; i < 50; i++) {
                nginxAdmitted += nginx.request(T0) ? 1 : 0;
                moatAdmitted += moat.hit(T0).allowed() ? 1 : 0;
            }
            assertThat(nginxAdmitted).isEqualTo(n + 1);
            assertThat(moatAdmitted).isEqualTo(n + 1);
        }
    }

    @Test
    void withARatePerMinuteNginxTruncatesAndIsTheStricterOfTheTwoWhereTheyFirstDiffer() {
        // 7r/m: nginx keeps 7000 / 60 = 116 milli-requests per second instead of 116.67, and
        // rounds each drain down to whole milli-requests. Until the first disagreement both saw
        // the same admissions, nginx drained no more than Moat, so nginx's excess is at least
        // Moat's: the first request they disagree on is one Moat admits and nginx refuses.
        Random random = new Random(60);
        int timelinesThatDiffer = 0;
        for (int timeline = 0; timeline < 200; timeline++) {
            long rate = 1 + random.nextInt(20);
            long nginxBurst = random.nextInt(10);
            NginxLimitReq nginx = new NginxLimitReq(rate, true, nginxBurst);
            Driver moat = new Driver(LimitSpec.gcra(rate, 60_000, nginxBurst + 1));
            long[] times = Timelines.generate(random, 500, 60_000.0 / rate, 60_000);
            for (int i = 0; i < times.length; i++) {
                boolean theirs = nginx.request(times[i]);
                boolean ours = moat.hit(times[i]).allowed();
                if (theirs != ours) {
                    assertThat(ours).as("rate=%dr/m burst=%d request %d: Moat admits where nginx refuses", rate, nginxBurst, i).isTrue();
                    timelinesThatDiffer++;
                    break;
                }
            }
        }
        assertThat(timelinesThatDiffer).as("the truncation is visible on these timelines").isPositive();
    }

    @Test
    void sevenPerMinuteShowsTheTruncationOnASingleTimeline() {
        // burst=0: one request, then one every 60000/7 = 8571.43 ms
        NginxLimitReq nginx = new NginxLimitReq(7, true, 0);
        Driver moat = new Driver(LimitSpec.gcra(7, 60_000, 1));
        assertThat(nginx.request(T0)).isTrue();
        assertThat(moat.hit(T0).allowed()).isTrue();
        // Moat: the next fits at ceil(8571.43) = 8572 ms
        assertThat(moat.hit(T0 + 8571).allowed()).isFalse();
        assertThat(moat.hit(T0 + 8572).allowed()).isTrue();
        // nginx drains 116 * ms / 1000: 1000 milli-requests take 8621 ms (116 * 8621 / 1000 = 1000)
        assertThat(nginx.request(T0 + 8572)).isFalse();
        assertThat(nginx.request(T0 + 8620)).isFalse();
        assertThat(nginx.request(T0 + 8621)).isTrue();
    }
}
