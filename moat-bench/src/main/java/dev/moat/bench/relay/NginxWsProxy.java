package dev.moat.bench.relay;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * nginx as a plain WebSocket reverse proxy in front of the same upstream (the peer for the gateway
 * row): one worker, no checks, {@code proxy_http_version 1.1} with the Upgrade and Connection
 * headers passed, its own prefix directory. Started only when an nginx binary is given.
 */
final class NginxWsProxy implements AutoCloseable {
    private final Process process;
    private final int port;

    private NginxWsProxy(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static NginxWsProxy start(String nginx, int upstreamPort, Path dir) throws Exception {
        return start(java.util.List.of(), nginx, upstreamPort, dir);
    }

    /** As {@link #start(String, int, Path)}, the command run behind {@code launcher} (e.g. {@code taskset -c 0}). */
    static NginxWsProxy start(java.util.List<String> launcher, String nginx, int upstreamPort, Path dir) throws Exception {
        Path prefix = Files.createDirectories(dir.resolve("nginx"));
        Files.createDirectories(prefix.resolve("logs"));
        Files.createDirectories(prefix.resolve("tmp"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String conf = """
                worker_processes 1;
                daemon off;
                pid %1$s/nginx.pid;
                error_log %1$s/logs/error.log error;
                events { worker_connections 4096; }
                http {
                  access_log off;
                  client_body_temp_path %1$s/tmp/body;
                  proxy_temp_path %1$s/tmp/proxy;
                  fastcgi_temp_path %1$s/tmp/fastcgi;
                  uwsgi_temp_path %1$s/tmp/uwsgi;
                  scgi_temp_path %1$s/tmp/scgi;
                  server {
                    listen 127.0.0.1:%2$d;
                    location / {
                      proxy_pass http://127.0.0.1:%3$d;
                      proxy_http_version 1.1;
                      proxy_set_header Upgrade $http_upgrade;
                      proxy_set_header Connection "upgrade";
                      proxy_read_timeout 1h;
                    }
                  }
                }
                """.formatted(prefix, port, upstreamPort);
        Path confFile = prefix.resolve("nginx.conf");
        Files.writeString(confFile, conf);
        java.util.List<String> command = new java.util.ArrayList<>(launcher);
        command.addAll(java.util.List.of(nginx, "-p", prefix.toString(), "-c", confFile.toString()));
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(prefix.resolve("nginx.out").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("nginx exited: " + Files.readString(prefix.resolve("nginx.out")));
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                return new NginxWsProxy(p, port);
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException("nginx did not listen on " + port + " within 10 s");
    }

    int port() {
        return port;
    }

    /** CPU time (ns) of nginx and its worker so far. */
    long cpuNanos() {
        return PinnedGatewayRelay.cpuNanos(process.toHandle());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
