package dev.moat.bench;

/** Realistic counter keys: distinct pseudo-random IPv4 addresses behind a limit id. */
final class Keys {
    private Keys() {
    }

    /**
     * The i-th of up to 2^32 distinct addresses: i times an odd constant mod 2^32 is a bijection,
     * so the addresses are distinct without a set to check them, and look random.
     */
    static String ipv4(int i) {
        int a = i * 0x9E3779B1;
        return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
    }

    /** {@code n} distinct keys {@code prefix + "ip:" + address}. */
    static String[] ipKeys(String prefix, int n) {
        String[] keys = new String[n];
        for (int i = 0; i < n; i++) {
            keys[i] = prefix + "ip:" + ipv4(i);
        }
        return keys;
    }
}
