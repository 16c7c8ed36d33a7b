package dev.moat.core.content;

import java.util.List;
import java.util.Set;

/**
 * The non-browser check: whether a {@code User-Agent} names a web browser. LibreChat refuses a
 * request whose User-Agent ua-parser-js cannot name a browser for; this is the same idea as a
 * small classifier that runs in linear time on attacker-controlled input.
 *
 * <h2>How it works and why</h2>
 *
 * <p>A User-Agent of at most {@link #MAX_USER_AGENT_CHARS} chars is cut into words (maximal runs
 * of ASCII letters and digits, lower-cased), noting for each whether a {@code /} follows it
 * (a product token such as {@code Chrome/120.0}). One pass sets a handful of flags; the verdict is:
 * <ol>
 *   <li>not a browser if null, blank, or longer than {@link #MAX_USER_AGENT_CHARS} chars (real
 *       browser User-Agents are 100-300 chars; an over-long one is an attack or a tool);</li>
 *   <li>not a browser if any word is a crawler or tool marker: it ends in {@code bot}
 *       (Googlebot, bingbot, GPTBot, ClaudeBot, AhrefsBot; except the phone maker {@code cubot}),
 *       or contains {@code spider}, {@code crawl}, {@code headless}, {@code externalhit},
 *       {@code preview}, an HTTP library name, ... ({@link #DENY_FRAGMENTS}), or if the string
 *       holds {@code +http} (the contact URL crawlers put in their User-Agent);</li>
 *   <li>otherwise a browser if it starts with {@code Mozilla/} or {@code Opera/}, has a rendering
 *       engine token ({@code AppleWebKit/}, {@code Gecko/}, {@code Trident/}, {@code MSIE},
 *       {@code Presto/}), and names a browser ({@code Chrome/}, {@code Firefox/},
 *       {@code Safari/}, {@code Edg/}, {@code OPR/}, {@code SamsungBrowser/}, ...,
 *       {@link #BROWSER_PRODUCTS}) or is an iOS web view ({@code AppleWebKit/} and
 *       {@code Mobile/15E148} on an iPhone, iPad or iPod, as WKWebView in-app browsers send).
 *       Android WebView ({@code ; wv)}), Brave (a Chrome UA) and in-app browsers that append
 *       their own tokens (Instagram, Facebook) carry {@code Chrome/} or the iOS form.</li>
 * </ol>
 * Everything else (curl, Wget, python-requests, Go-http-client, okhttp, Java, node-fetch, axios,
 * PostmanRuntime, native apps with their own User-Agent) is not a browser. A client can of course
 * send a browser's User-Agent; the check stops honest tools and lazy scripts, not a determined
 * attacker, and is meant to be enabled only for actions that real users do from a browser.
 */
public final class UserAgents {

    /** A User-Agent longer than this many chars is not a browser (1 Ki). */
    public static final int MAX_USER_AGENT_CHARS = 1024;

    /** Product names (followed by {@code /}) that name a browser. */
    static final Set<String> BROWSER_PRODUCTS = Set.of(
            "chrome", "chromium", "crios", "firefox", "fxios", "safari", "edg", "edge", "edga",
            "edgios", "opr", "opera", "samsungbrowser", "yabrowser", "ucbrowser", "vivaldi", "brave",
            "silk", "miuibrowser", "qqbrowser", "huaweibrowser", "duckduckgo", "whale", "seamonkey",
            "waterfox", "palemoon", "librewolf", "focus", "klar", "presto", "trident");

    /** Word fragments that mark a crawler, a headless browser or an HTTP library. */
    static final List<String> DENY_FRAGMENTS = List.of(
        "spider", "crawl", "slurp", "headless", "phantomjs", "externalhit", "externalagent",
        "facebookcatalog", "scrapy", "python", "curl", "wget", "okhttp", "axios", "postman", "httpie",
        "libwww", "httpclient", "lighthouse", "preview", "mediapartners", "inspectiontool",
        "googleother", "feedfetcher", "chatgpt", "anthropic", "claude", "perplexity", "archiver",
        "validator", "pingdom", "gtmetrix", "prerender", "puppeteer", "playwright");

    private UserAgents() {
    }

    /** Whether {@code userAgent} names a web browser (see the class comment for the rule). */
    public static boolean isBrowser(String userAgent) {
        if (userAgent == null || userAgent.length() > MAX_USER_AGENT_CHARS) {
            return false;
        }
        String s = userAgent.strip();
        boolean mozilla = s.regionMatches(true, 0, "mozilla/", 0, 8);
        boolean operaPrefix = s.regionMatches(true, 0, "opera/", 0, 6);
        if (!mozilla && !operaPrefix) {
            return false;
        }
        boolean engine = false;
        boolean webkit = false;
        boolean browser = false;
        boolean mobileSlash = false;
        boolean ios = false;
        StringBuilder word = new StringBuilder(32);
        int n = s.length();
        for (int i = 0; i <= n; i++) {
            char c = i < n ? s.charAt(i) : ' ';
            if (c == '+' && s.regionMatches(true, i + 1, "http", 0, 4)) {
                return false;
            }
            if (c < 0x80 && LinkNormaliser.isAsciiAlnum(c)) {
                word.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
                continue;
            }
            if (word.length() == 0) {
                continue;
            }
            String w = word.toString();
            word.setLength(0);
            if (isDenied(w)) {
                return false;
            }
            boolean product = c == '/';
            switch (w) {
                case "applewebkit" -> {
                    engine |= product;
                    webkit |= product;
                }
                case "gecko", "presto", "trident" -> engine |= product;
                case "msie" -> {
                    engine = true;
                    browser = true;
                }
                case "mobile" -> mobileSlash |= product;
                case "iphone", "ipad", "ipod" -> ios = true;
                default -> { }
            }
            if (product && BROWSER_PRODUCTS.contains(w)) {
                browser = true;
            }
        }
        return engine && (browser || (webkit && mobileSlash && ios));
    }

    private static boolean isDenied(String w) {
        if (w.endsWith("bot") && !w.equals("cubot")) {
            return true;
        }
        for (String fragment : DENY_FRAGMENTS) {
            if (w.contains(fragment)) {
                return true;
            }
        }
        return false;
    }
}
