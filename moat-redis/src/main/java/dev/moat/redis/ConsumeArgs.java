package dev.moat.redis;

import java.util.ArrayList;
import java.util.List;

/**
 * The KEYS and ARGV of one consume script call carrying one or more checks (a batch of coalesced
 * checks, or a check alone), in the layout of the script that runs it:
 *
 * <ul>
 *   <li>{@code consume.lua} (any algorithms): slack, then per check {@code now}, dry run ("1"/"0"),
 *       number of calls, then six per call (algorithm, cost and the limit's four, {@link LimitArgs}).</li>
 *   <li>{@code consume_gcra.lua} (all calls GCRA): slack, the number of distinct limits L, then L
 *       limits of four (M, P, tolerance, burst), then per check {@code now} and its number of calls
 *       (negative for a dry run), then two per call (its limit's number 1..L, cost).</li>
 * </ul>
 *
 * <p>Why two: each argument costs Redis a protocol string to parse and a Lua string to make, about
 * a fifth of a microsecond with the Lua work that reads it. The checks of a batch mostly share their
 * limits (one config entry, many subjects), so the GCRA layout sends each limit's constants once
 * per call instead of once per check: 5 strings per check of one limit instead of 10 (docs/redis.md,
 * "Performance").
 */
final class ConsumeArgs {
    /** One check's calls, at its instant. */
    interface Check {
        List<RedisLimitStore.Prepared> calls();

        long now();

        boolean dry();
    }

    /** A check of its own (the uncoalesced path). */
    record Alone(List<RedisLimitStore.Prepared> calls, long now, boolean dry) implements Check {
    }

    /** A script call: the script, and its keys and arguments in that script's layout. */
    record Call(Script script, String[] keys, String[] argv) {
    }

    private ConsumeArgs() {
    }

    /**
     * The call for {@code checks}: the consume script for the algorithms their calls use
     * ({@link Script#consume}) with its arguments. Script and layout are chosen here together,
     * because a script run on the other's layout reads garbage.
     */
    static Call of(String slack, List<? extends Check> checks) {
        int algorithms = 0;
        for (Check c : checks) {
            algorithms |= RedisLimitStore.algorithms(c.calls());
        }
        Script script = Script.consume(algorithms);
        return algorithms == Script.GCRA ? gcra(script, slack, checks) : general(script, slack, checks);
    }

    private static Call general(Script script, String slack, List<? extends Check> checks) {
        int keyCount = 0;
        int argCount = 1;
        for (Check c : checks) {
            keyCount += c.calls().size();
            argCount += 3 + 6 * c.calls().size();
        }
        String[] keys = new String[keyCount];
        String[] argv = new String[argCount];
        argv[0] = slack;
        int k = 0;
        int a = 1;
        for (Check c : checks) {
            argv[a] = Long.toString(c.now());
            argv[a + 1] = c.dry() ? "1" : "0";
            argv[a + 2] = Integer.toString(c.calls().size());
            a += 3;
            for (RedisLimitStore.Prepared p : c.calls()) {
                keys[k++] = p.key();
                p.args().put(argv, a, p.call().cost());
                a += 6;
            }
        }
        return new Call(script, keys, argv);
    }

    private static Call gcra(Script script, String slack, List<? extends Check> checks) {
        int keyCount = 0;
        for (Check c : checks) {
            keyCount += c.calls().size();
        }
        // the distinct limits, in order of first use: few (config entries), so a list is enough;
        // each call's number among them (1..L) is found once, here
        List<LimitArgs> limits = new ArrayList<>(4);
        String[] numbers = new String[keyCount];
        int i = 0;
        for (Check c : checks) {
            for (RedisLimitStore.Prepared p : c.calls()) {
                int number = limits.indexOf(p.args()) + 1;
                if (number == 0) {
                    limits.add(p.args());
                    number = limits.size();
                }
                numbers[i++] = Integer.toString(number);
            }
        }
        String[] keys = new String[keyCount];
        String[] argv = new String[2 + 4 * limits.size() + 2 * checks.size() + 2 * keyCount];
        argv[0] = slack;
        argv[1] = Integer.toString(limits.size());
        int a = 2;
        for (LimitArgs l : limits) {
            argv[a] = l.a;
            argv[a + 1] = l.b;
            argv[a + 2] = l.c;
            argv[a + 3] = l.d;
            a += 4;
        }
        int k = 0;
        for (Check c : checks) {
            int n = c.calls().size();
            argv[a] = Long.toString(c.now());
            argv[a + 1] = Integer.toString(c.dry() ? -n : n);
            a += 2;
            for (RedisLimitStore.Prepared p : c.calls()) {
                argv[a] = numbers[k];
                argv[a + 1] = Long.toString(p.call().cost());
                keys[k++] = p.key();
                a += 2;
            }
        }
        return new Call(script, keys, argv);
    }
}
