package dev.moat.core;

/**
 * What the engine parsed from one caller's subjects, kept by a caller that checks many requests
 * with the very same ones: a gateway connection, whose frames all carry its user and address. Pass
 * it to {@link Moat#check(CheckRequest, IdentityMemo)} and the user's subject, the address and its
 * key are parsed once per connection instead of once per frame, and each limit's call (its counter
 * key and the key's hash) is made once ({@link KeptCalls}).
 *
 * <p>It is only ever a shortcut, never a second source of truth: the kept identity is used when the
 * request's {@code user}, {@code ip}, {@code server}, {@code appservice} and {@code email} are the
 * same {@code String} objects it was made from (compared by reference, which costs nothing and
 * cannot be fooled by equal-looking text) and the policy has not been reloaded since; anything else
 * is parsed afresh and kept instead. One memo per caller; a caller that checks from several threads
 * at once may keep a stale entry, never a wrong one (each entry is immutable and whole).
 */
public final class IdentityMemo {
    private Kept kept;

    /** A memo with nothing in it yet. */
    public IdentityMemo() {
    }

    /** The identity of {@code r} under {@code p}, from the memo when the request's subjects are the kept ones. */
    Identity identity(CheckRequest r, CompiledPolicy p) {
        Kept k = kept;
        if (k != null && k.policy == p && k.user == r.user() && k.ip == r.ip() && k.server == r.server()
                && k.appservice == r.appservice() && k.email == r.email()
                && r.action() != null && !r.action().isEmpty()) {
            return k.identity;
        }
        Identity id = Identity.of(r, p, true); // validates, and throws for a bad subject as without a memo
        kept = new Kept(p, r.user(), r.ip(), r.server(), r.appservice(), r.email(), id);
        return id;
    }

    private record Kept(CompiledPolicy policy, String user, String ip, String server, String appservice, String email,
                        Identity identity) {
    }
}
