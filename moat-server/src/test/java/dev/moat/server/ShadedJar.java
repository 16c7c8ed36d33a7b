package dev.moat.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The built {@code moat.jar} (system property {@code moat.jar}, set by failsafe) and what starting it as a child needs. */
public final class ShadedJar {
    private ShadedJar() {
    }

    /** The jar; fails with how to build it when it is missing. */
    public static Path jar() {
        Path jar = Path.of(System.getProperty("moat.jar", "target/moat.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the built jar is missing: " + jar.toAbsolutePath()
                    + " (the *IT suites run in `mvn verify`, after the shade plugin built it in package)");
        }
        return jar;
    }

    /** {@code java [jvmArgs] -jar moat.jar [args]} with this JVM's java. */
    public static List<String> command(List<String> jvmArgs, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-jar");
        cmd.add(jar().toAbsolutePath().toString());
        cmd.addAll(args);
        return cmd;
    }

    /** A loopback port nothing listens on right now. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command (prlimit, chattr, kill) and returns its exit code; its output is printed when it fails. */
    public static int run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int rc = p.waitFor();
            if (rc != 0) {
                System.out.println(String.join(" ", cmd) + " -> " + rc + ": " + out);
            }
            return rc;
        } catch (IOException e) {
            return 127;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Pauses the calling thread (between polls of a condition with a deadline). */
    public static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
