package dev.moat.redis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real {@code redis-server} processes for tests: standalone, or a Redis Cluster of masters, each
 * on a free port with its own temporary directory. Servers can be killed with SIGKILL and
 * restarted on the same port (failure tests). Everything started here is killed at close, and by
 * a JVM shutdown hook if a test forgets. Set {@code MOAT_REDIS_SERVER} to use another binary.
 */
public final class RedisServers {
    private static final String BINARY = System.getenv().getOrDefault("MOAT_REDIS_SERVER", "redis-server");
    private static final List<Server> LIVE = new CopyOnWriteArrayList<>();
    private static volatile Server shared;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Server s : LIVE) {
                s.close(); // SIGKILL, then the temporary directory goes
            }
        }, "redis-servers-cleanup"));
    }

    private RedisServers() {
    }

    /** A standalone server with no persistence. */
    public static Server standalone(String... extraArgs) {
        return start(false, extraArgs);
    }

    /** One standalone server shared by every test class of this JVM (flush it in @BeforeEach). */
    public static synchronized Server shared() {
        if (shared == null || !shared.alive()) {
            shared = standalone();
        }
        return shared;
    }

    /** A cluster of {@code masters} masters (no replicas), all 16384 slots assigned. */
    public static Cluster cluster(int masters) {
        List<Server> servers = new ArrayList<>();
        try {
            for (int i = 0; i < masters; i++) {
                servers.add(start(true));
            }
            List<String> cmd = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
            for (Server s : servers) {
                cmd.add("127.0.0.1:" + s.port());
            }
            cmd.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(servers.get(0).dir().resolve("cluster-create.log").toFile()).start();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("redis-cli --cluster create failed: "
                        + Files.readString(servers.get(0).dir().resolve("cluster-create.log")));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (Server s : servers) {
                while (true) {
                    String info = s.command("CLUSTER", "INFO");
                    if (info.contains("cluster_state:ok") && info.contains("cluster_slots_ok:16384")
                            && info.contains("cluster_known_nodes:" + masters)) {
                        break;
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("cluster not ready: " + info);
                    }
                    Thread.sleep(50);
                }
            }
            return new Cluster(servers);
        } catch (IOException e) {
            servers.forEach(Server::close);
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            servers.forEach(Server::close);
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (RuntimeException e) {
            servers.forEach(Server::close);
            throw e;
        }
    }

    private static Server start(boolean cluster, String... extraArgs) {
        try {
            Path dir = Files.createTempDirectory("moat-redis-");
            Server s = new Server(freePort(), dir, cluster, List.of(extraArgs));
            s.launch();
            LIVE.add(s);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket ss = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            ss.setReuseAddress(true);
            return ss.getLocalPort();
        }
    }

    /** One redis-server process. */
    public static final class Server implements AutoCloseable {
        private final int port;
        private final Path dir;
        private final boolean cluster;
        private final List<String> extraArgs;
        private volatile Process process;

        private Server(int port, Path dir, boolean cluster, List<String> extraArgs) {
            this.port = port;
            this.dir = dir;
            this.cluster = cluster;
            this.extraArgs = extraArgs;
        }

        public int port() {
            return port;
        }

        public Path dir() {
            return dir;
        }

        public String uri() {
            return "redis://127.0.0.1:" + port;
        }

        public String hostPort() {
            return "127.0.0.1:" + port;
        }

        public boolean alive() {
            Process p = process;
            return p != null && p.isAlive();
        }

        private void launch() throws IOException {
            List<String> cmd = new ArrayList<>(List.of(BINARY, "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--dir", dir.toString(), "--save", "", "--appendonly", "no", "--protected-mode", "no",
                    "--loglevel", "warning", "--logfile", dir.resolve("redis.log").toString()));
            if (cluster) {
                cmd.addAll(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", "5000"));
            }
            cmd.addAll(extraArgs);
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile())).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("redis-server exited: " + log());
                }
                try {
                    if (command("PING").equals("PONG")) {
                        return;
                    }
                } catch (IOException | RuntimeException notYet) {
                    // not listening yet
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("redis-server did not start: " + log());
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }

        private String log() {
            try {
                Path f = dir.resolve("redis.log");
                Path out = dir.resolve("stdout.log");
                return (Files.exists(f) ? Files.readString(f) : "") + (Files.exists(out) ? Files.readString(out) : "");
            } catch (IOException e) {
                return e.toString();
            }
        }

        /** SIGKILL: no shutdown, no save. */
        public void kill() {
            Process p = process;
            if (p != null) {
                p.destroyForcibly();
                try {
                    p.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        /** SIGSTOP ({@code true}) or SIGCONT: a server that stops answering without closing its sockets. */
        public void freeze(boolean frozen) throws IOException, InterruptedException {
            Process p = process;
            if (p != null) {
                new ProcessBuilder("kill", frozen ? "-STOP" : "-CONT", Long.toString(p.pid())).inheritIO().start().waitFor();
            }
        }

        /** Starts the server again on the same port and directory (after {@link #kill()}). */
        public void restart() {
            if (alive()) {
                throw new IllegalStateException("still running");
            }
            try {
                launch();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /**
         * Sends one command over a fresh socket and returns the reply as text: simple strings,
         * errors ("ERR ..."), integers and bulk strings; arrays are flattened, one element a line.
         */
        public String command(String... args) throws IOException {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                s.setSoTimeout(5000);
                OutputStream out = s.getOutputStream();
                StringBuilder req = new StringBuilder("*" + args.length + "\r\n");
                for (String a : args) {
                    byte[] b = a.getBytes(StandardCharsets.UTF_8);
                    req.append('$').append(b.length).append("\r\n").append(a).append("\r\n");
                }
                out.write(req.toString().getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                StringBuilder sb = new StringBuilder();
                readReply(in, sb);
                return sb.toString();
            }
        }

        private static void readReply(BufferedReader in, StringBuilder sb) throws IOException {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed");
            }
            char t = line.charAt(0);
            String rest = line.substring(1);
            switch (t) {
                case '+', '-', ':' -> sb.append(rest);
                case '$' -> {
                    int len = Integer.parseInt(rest);
                    if (len < 0) {
                        sb.append("(nil)");
                        return;
                    }
                    char[] buf = new char[len];
                    int read = 0;
                    while (read < len) {
                        int r = in.read(buf, read, len - read);
                        if (r < 0) {
                            throw new IOException("connection closed");
                        }
                        read += r;
                    }
                    in.readLine();
                    sb.append(buf);
                }
                case '*' -> {
                    int n = Integer.parseInt(rest);
                    for (int i = 0; i < n; i++) {
                        if (i > 0) {
                            sb.append('\n');
                        }
                        readReply(in, sb);
                    }
                }
                default -> throw new IOException("unexpected reply: " + line);
            }
        }

        @Override
        public void close() {
            kill();
            LIVE.remove(this);
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException ignored) {
                // temp dir: best effort
            }
        }
    }

    /** A running cluster. */
    public static final class Cluster implements AutoCloseable {
        private final List<Server> servers;

        private Cluster(List<Server> servers) {
            this.servers = List.copyOf(servers);
        }

        public List<Server> servers() {
            return servers;
        }

        /** Seed nodes as host:port. */
        public List<String> nodes() {
            return servers.stream().map(Server::hostPort).toList();
        }

        @Override
        public void close() {
            servers.forEach(Server::close);
        }
    }
}
