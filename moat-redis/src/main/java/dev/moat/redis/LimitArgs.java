package dev.moat.redis;

import dev.moat.core.limit.Algorithm;
import dev.moat.core.limit.LimitSpec;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The script arguments of one limit, computed once per {@link LimitSpec}: the algorithm letter and
 * four integer parameters (see prelude.lua). GCRA's tick arithmetic is reduced here exactly as
 * {@code Gcra} does it: max/per in lowest terms M/P, tolerance = burst * P.
 */
final class LimitArgs {
    /** Integers a Lua double holds exactly. */
    static final long LUA_EXACT = 1L << 53;

    private static final ConcurrentHashMap<LimitSpec, LimitArgs> CACHE = new ConcurrentHashMap<>();

    final char algorithm;
    final String alg;
    final String a;
    final String b;
    final String c;
    final String d;
    /** What the limit admits at once: GCRA's burst, a window's max. */
    final long capacity;
    /** True when every intermediate value of the script stays below 2^53 (docs/redis.md, "Exactness"). */
    final boolean exact;

    private LimitArgs(char algorithm, long a, long b, long c, long d, long capacity, boolean exact) {
        this.algorithm = algorithm;
        this.alg = String.valueOf(algorithm);
        this.a = Long.toString(a);
        this.b = Long.toString(b);
        this.c = Long.toString(c);
        this.d = Long.toString(d);
        this.capacity = capacity;
        this.exact = exact;
    }

    static LimitArgs of(LimitSpec spec) {
        return CACHE.computeIfAbsent(spec, LimitArgs::compute);
    }

    private static LimitArgs compute(LimitSpec spec) {
        Algorithm algorithm = spec.algorithm();
        if (algorithm == Algorithm.GCRA) {
            long g = gcd(spec.max(), spec.perMillis());
            long m = spec.max() / g;
            long p = spec.perMillis() / g;
            long hi = Math.multiplyHigh(spec.burst(), p);
            long tol = spec.burst() * p;
            if (hi != 0 || tol < 0) {
                tol = Long.MAX_VALUE;
            }
            boolean exact = tol < LUA_EXACT && m < (LUA_EXACT / 1_000_000L);
            return new LimitArgs('g', m, p, tol, spec.burst(), spec.burst(), exact);
        }
        if (algorithm == Algorithm.FIXED_WINDOW) {
            return new LimitArgs('f', spec.max(), spec.perMillis(), 0, 0, spec.max(), spec.max() < LUA_EXACT);
        }
        long buckets = (spec.perMillis() + spec.precisionMillis() - 1) / spec.precisionMillis();
        return new LimitArgs('s', spec.max(), spec.precisionMillis(), buckets, 0, spec.max(), spec.max() < LUA_EXACT);
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /** Writes this call's six arguments into {@code argv} at {@code offset}. */
    void put(String[] argv, int offset, long cost) {
        argv[offset] = alg;
        argv[offset + 1] = Long.toString(cost);
        argv[offset + 2] = a;
        argv[offset + 3] = b;
        argv[offset + 4] = c;
        argv[offset + 5] = d;
    }
}
