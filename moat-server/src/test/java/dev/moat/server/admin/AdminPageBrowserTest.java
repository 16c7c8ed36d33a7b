package dev.moat.server.admin;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import dev.moat.server.TestServer;
import dev.moat.server.observe.JsonLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static dev.moat.server.TestServer.ADMIN_KEY;
import static dev.moat.server.TestServer.CLIENT_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The admin page end to end in Debian's chromium, headless, against the real server in this JVM:
 * sign in, ban, see the ban, see the refusal it causes arrive on the live feed, look at the
 * subject, unban, read the config, on a desktop and a phone screen, and sign out. Along the way:
 * no console error (the strict CSP and Trusted Types would show there), no key in a URL, in
 * local storage, in a cookie, or in any line the server logged. Screenshots of every view go to
 * {@code target/admin-screenshots/} for review.
 */
class AdminPageBrowserTest {
    static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
    static final Path SHOTS = Paths.get("target", "admin-screenshots");
    static final String BANNED_IP = "203.0.113.50";

    static TestServer server;
    static Playwright playwright;
    static Browser browser;
    static final CapturedLog log = new CapturedLog();

    /** Every logback event of the test, rendered as the server's JSON lines would be. */
    static final class CapturedLog extends AppenderBase<ILoggingEvent> {
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        final JsonLayout layout = new JsonLayout();

        @Override
        protected void append(ILoggingEvent e) {
            lines.add(layout.doLayout(e));
        }
    }

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "Debian's chromium is not installed (apt-get install chromium)");
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.DEBUG);
        ((Logger) LoggerFactory.getLogger("dev.moat")).setLevel(Level.DEBUG);
        log.setContext(root.getLoggerContext());
        log.start();
        root.addAppender(log);

        server = TestServer.withKeys();
        Files.createDirectories(SHOTS);
        playwright = Playwright.create(new Playwright.CreateOptions()
                .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                .setExecutablePath(CHROMIUM)
                .setHeadless(true)
                .setArgs(List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync")));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
        if (server != null) {
            server.close();
        }
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAppender(log);
        root.setLevel(Level.INFO);
    }

    private static void shot(Page page, String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(SHOTS.resolve(name + ".png")).setFullPage(true));
    }

    private static Locator button(Page page, String name) {
        return page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName(name).setExact(true));
    }

    private static Locator link(Page page, String name) {
        return page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName(name).setExact(true));
    }

    private static LocatorAssertions expect(Locator l) {
        return PlaywrightAssertions.assertThat(l);
    }

    @Test
    void anOperatorBansSeesTheRefusalLiveAndUnbans() {
        BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 860));
        context.setDefaultTimeout(10_000);
        Page page = context.newPage();
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        List<String> urls = Collections.synchronizedList(new ArrayList<>());
        page.onConsoleMessage(m -> {
            // the wrong keys and the rejected ban below answer 4xx on purpose; anything else (a CSP or
            // Trusted Types refusal, a script error) is a bug
            if ("error".equals(m.type())
                    && !m.text().startsWith("Failed to load resource: the server responded with a status of 4")) {
                problems.add(m.text());
            }
        });
        page.onPageError(e -> problems.add("page error: " + e));
        page.onRequest(r -> urls.add(r.url()));

        // some history, so the overview and the subject's page have scores to show
        server.call("POST", "/v1/violations", "{\"type\":\"logins\",\"ip\":\"" + BANNED_IP + "\",\"score\":4,"
                + "\"detail\":\"password spraying\"}", CLIENT_KEY);
        server.call("POST", "/v1/violations", "{\"type\":\"messages\",\"user\":\"mallory\",\"score\":2}", CLIENT_KEY);

        page.navigate(server.url() + "/admin");
        expect(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Sign in to Moat"))).isVisible();

        // a wrong key: the server's problem detail is shown, and the page stays signed out
        page.getByLabel("Admin API key").fill("not-a-key");
        page.getByLabel("Admin API key").press("Enter");
        expect(page.locator("#signin-error")).containsText("unknown API key");
        // a client key is not enough
        page.getByLabel("Admin API key").fill(CLIENT_KEY);
        button(page, "Sign in").click();
        expect(page.locator("#signin-error")).containsText("needs an admin key");
        shot(page, "01-sign-in-error");

        // sign in with the keyboard alone
        page.getByLabel("Admin API key").fill(ADMIN_KEY);
        page.getByLabel("Admin API key").press("Enter");
        expect(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Overview"))).isVisible();
        expect(page.locator("#health")).containsText("sqlite");
        expect(page.locator("#top-offenders")).containsText("ip:" + BANNED_IP);
        expect(page.locator("#top-offenders")).containsText("user:mallory");
        expect(page.getByLabel("Admin API key")).hasValue("");
        shot(page, "02-overview");

        // a ban the server rejects shows the field's problem
        link(page, "Bans").click();
        expect(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Active bans"))).isVisible();
        page.getByLabel("Subject to ban").fill("nobody-knows-this-kind");
        button(page, "Ban").click();
        expect(page.locator("#ban-error")).containsText("subject");
        expect(page.locator("#ban-subject")).hasAttribute("aria-invalid", "true");

        // ban, and see it listed
        page.getByLabel("Subject to ban").fill("ip:" + BANNED_IP);
        page.getByLabel("Duration").fill("2h");
        page.getByLabel("Reason for the ban").fill("credential stuffing from this address");
        button(page, "Ban").click();
        Locator bans = page.locator("#bans-table");
        expect(bans).containsText("ip:" + BANNED_IP);
        expect(bans).containsText("credential stuffing from this address");
        expect(page.locator("#ban-error")).isEmpty();
        // search and the source filter narrow the list
        page.getByLabel("Subject contains").fill("203.0.113");
        page.getByLabel("Source").selectOption("manual");
        button(page, "Search").click();
        expect(page.locator("#bans-status")).containsText("matching");
        expect(bans).containsText("ip:" + BANNED_IP);
        page.getByLabel("Source").selectOption("auto");
        button(page, "Search").click();
        expect(bans).containsText("No active ban matches.");
        page.getByLabel("Source").selectOption("");
        button(page, "Search").click();
        expect(bans).containsText("ip:" + BANNED_IP);
        shot(page, "03-bans");

        // the live feed: open it, then cause a refusal through the API and watch it arrive
        link(page, "Live feed").click();
        expect(page.locator("#feed-status")).containsText("Live");
        TestServer.Res check = server.call("POST", "/v1/check",
                "{\"action\":\"login\",\"ip\":\"" + BANNED_IP + "\",\"email\":\"victim@example.org\"}", CLIENT_KEY);
        assertThat(check.json().get("reason").asText()).isEqualTo("banned");
        Locator first = page.locator("#feed-list li").first();
        expect(first).containsText("ip:" + BANNED_IP);
        expect(first).containsText("banned");
        expect(first).containsText("login");
        expect(page.locator("#feed-list")).not().containsText("victim@example.org");
        shot(page, "04-live-feed");

        // the subject's page, reached from the feed
        first.getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("ip:" + BANNED_IP)).first().click();
        expect(page.locator("#subject-body")).containsText("Banned");
        expect(page.locator("#subject-body")).containsText("Bans, past and present");
        expect(page.locator("#subject-body")).containsText("credential stuffing from this address");
        expect(page.locator("#subject-body")).containsText("password spraying");
        expect(page.locator("#subject-body")).containsText("logins");
        shot(page, "05-subject");

        // unban from the list, with a reason
        link(page, "Bans").click();
        button(page, "Unban ip:" + BANNED_IP).click();
        Locator dialog = page.getByRole(AriaRole.DIALOG);
        expect(dialog).isVisible();
        expect(page.getByLabel("Reason for lifting it")).isFocused();
        button(page, "Unban").click();
        expect(page.locator("#unban-error")).containsText("Say why");
        page.getByLabel("Reason for lifting it").fill("false positive: office NAT");
        shot(page, "06-unban-dialog");
        button(page, "Unban").click();
        expect(dialog).isHidden();
        expect(bans).not().containsText("ip:" + BANNED_IP);
        expect(bans).containsText("No active ban matches.");

        // pages follow the API's cursor: 27 bans make a page of 25 and one of 2
        for (int i = 0; i < 27; i++) {
            assertThat(server.call("POST", "/v1/bans", "{\"subject\":\"user:bulk-" + i + "\",\"duration\":\"1h\"}",
                    ADMIN_KEY).status()).isEqualTo(201);
        }
        page.getByLabel("Subject contains").fill("bulk-");
        button(page, "Search").click();
        expect(page.locator("#bans-status")).containsText("25 bans on page 1");
        expect(button(page, "Previous page")).isDisabled();
        button(page, "Next page").click();
        expect(page.locator("#bans-status")).containsText("2 bans on page 2");
        expect(button(page, "Next page")).isDisabled();
        button(page, "Previous page").click();
        expect(page.locator("#bans-status")).containsText("25 bans on page 1");

        // the subject's history now shows the ban and the unban
        page.navigate(server.url() + "/admin#/subject/" + "ip%3A" + BANNED_IP);
        expect(page.locator("#subject-body")).containsText("Not banned now.");
        expect(page.locator("#subject-body")).containsText("false positive: office NAT");

        // the effective configuration and preset
        link(page, "Configuration").click();
        expect(page.locator("#config-body")).containsText("Preset:");
        expect(page.locator("#config-body")).containsText("client.target.login");
        expect(page.locator("#config-body")).not().containsText(ADMIN_KEY);
        shot(page, "07-config");

        // a phone
        page.setViewportSize(390, 844);
        link(page, "Overview").click();
        expect(page.locator("#top-offenders")).isVisible();
        shot(page, "08-phone-overview");
        link(page, "Bans").click();
        expect(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Active bans"))).isVisible();
        shot(page, "09-phone-bans");
        link(page, "Live feed").click();
        shot(page, "10-phone-feed");
        long overflow = ((Number) page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")).longValue();
        assertThat(overflow).as("horizontal overflow on a phone, px").isLessThanOrEqualTo(0);
        page.setViewportSize(1280, 860);

        // the key: in this tab's session storage only
        assertThat(page.url()).doesNotContain(ADMIN_KEY);
        assertThat((String) page.evaluate("() => JSON.stringify(Object.assign({}, localStorage))")).doesNotContain(ADMIN_KEY);
        assertThat((String) page.evaluate("() => document.cookie")).doesNotContain(ADMIN_KEY);
        assertThat(context.cookies()).isEmpty();
        assertThat((String) page.evaluate("() => JSON.stringify(Object.assign({}, sessionStorage))")).contains(ADMIN_KEY);
        assertThat(urls).isNotEmpty().allSatisfy(u -> assertThat(u).doesNotContain(ADMIN_KEY).doesNotContain(CLIENT_KEY));

        // a reload keeps the session (same tab); then the first Tab reaches the skip link, the next the
        // first section, and focus is visible
        page.reload();
        expect(page.locator("#feed-status")).containsText("Live");
        page.keyboard().press("Tab");
        assertThat((String) page.evaluate("() => document.activeElement.textContent")).isEqualTo("Skip to content");
        assertThat((String) page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")).isNotEqualTo("none");
        page.keyboard().press("Tab");
        assertThat((String) page.evaluate("() => document.activeElement.textContent")).isEqualTo("Overview");
        assertThat((String) page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")).isNotEqualTo("none");

        // sign out forgets the key
        button(page, "Sign out").click();
        expect(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Sign in to Moat"))).isVisible();
        assertThat((String) page.evaluate("() => JSON.stringify(Object.assign({}, sessionStorage))")).doesNotContain(ADMIN_KEY);
        shot(page, "11-signed-out");

        assertThat(problems).as("console errors and page errors").isEmpty();
        context.close();

        List<String> lines;
        synchronized (log.lines) {
            lines = List.copyOf(log.lines);
        }
        assertThat(lines).as("the server logged during the test").isNotEmpty();
        assertThat(String.join("\n", lines)).doesNotContain(ADMIN_KEY).doesNotContain(CLIENT_KEY)
                .doesNotContain("Bearer ");
    }
}
