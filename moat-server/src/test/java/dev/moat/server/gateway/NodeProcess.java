package dev.moat.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.fail;

/** A node script of src/test/node, spoken to in JSON lines over stdin and stdout. */
final class NodeProcess implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path DIR = Path.of("src/test/node").toAbsolutePath();
    /** Logs go to target/, never into the source tree. */
    static final Path LOGS = Path.of("target/node-logs").toAbsolutePath();

    private final Process process;
    private final Writer stdin;
    final List<JsonNode> lines = new CopyOnWriteArrayList<>();
    private int cursor;

    private NodeProcess(Process process) {
        this.process = process;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    try {
                        lines.add(JSON.readTree(line));
                    } catch (IOException e) {
                        lines.add(JSON.createObjectNode().put("ev", "unparsed").put("line", line));
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "node-stdout");
        t.setDaemon(true);
        t.start();
    }

    /** True when {@code node} runs here. */
    static boolean nodeAvailable() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Installs socket.io and socket.io-client from the lock file unless they are there already. */
    static void installPackages() throws Exception {
        if (Files.isDirectory(DIR.resolve("node_modules/socket.io")) && Files.isDirectory(DIR.resolve("node_modules/socket.io-client"))) {
            return;
        }
        Files.createDirectories(LOGS);
        Path log = LOGS.resolve("npm-ci.log");
        Process p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(DIR.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            fail("npm ci failed in " + DIR + ":\n" + Files.readString(log));
        }
    }

    static NodeProcess start(String script) throws IOException {
        Files.createDirectories(LOGS);
        Process p = new ProcessBuilder("node", script).directory(DIR.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(LOGS.resolve(script + ".stderr.log").toFile())).start();
        return new NodeProcess(p);
    }

    void send(Object command) {
        try {
            stdin.write(JSON.writeValueAsString(command));
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            throw new AssertionError("node is gone", e);
        }
    }

    /** The next line (after the last one awaited) matching, waiting at most the test wait. */
    JsonNode await(Predicate<JsonNode> p, String what) {
        long deadline = System.nanoTime() + WsClient.WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = cursor; i < lines.size(); i++) {
                if (p.test(lines.get(i))) {
                    cursor = i + 1;
                    return lines.get(i);
                }
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        return fail("node: no " + what + " within " + WsClient.WAIT + "; lines: " + lines);
    }

    /** Any line so far matching (not moving the cursor). */
    boolean seen(Predicate<JsonNode> p) {
        return lines.stream().anyMatch(p);
    }

    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
            }
        } catch (InterruptedException e) {
            process.destroy();
            Thread.currentThread().interrupt();
        }
    }
}
