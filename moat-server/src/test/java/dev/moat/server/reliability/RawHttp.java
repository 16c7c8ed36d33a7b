package dev.moat.server.reliability;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 over a plain socket, for the requests no well-behaved client sends: slow, partial,
 * oversized, malformed. Reads one response's status line and headers (and as much body as
 * arrives before the server closes or the read times out).
 */
final class RawHttp implements AutoCloseable {
    final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    RawHttp(int port) {
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(15_000);
            out = socket.getOutputStream();
            in = socket.getInputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    RawHttp send(String text) {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawHttp send(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends, but reports a connection the server already closed as false instead of throwing. */
    boolean trySend(String text) {
        try {
            out.write(text.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The status code of the next response, or -1 when the server closed without one. */
    int status() {
        String head = head();
        if (head.isEmpty()) {
            return -1;
        }
        String[] parts = head.split(" ", 3);
        return Integer.parseInt(parts[1]);
    }

    /** The next response's head (status line and headers), "" when the connection closed first. */
    String head() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            int c;
            while ((c = in.read()) >= 0) {
                b.write(c);
                byte[] s = b.toByteArray();
                int n = s.length;
                if (n >= 4 && s[n - 4] == '\r' && s[n - 3] == '\n' && s[n - 2] == '\r' && s[n - 1] == '\n') {
                    break;
                }
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no response within the read timeout; got so far: " + b, e);
        } catch (IOException e) {
            // reset by the server: whatever arrived is the answer
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** True once the server has closed the connection (reads EOF or a reset within {@code millis}). */
    boolean closedWithin(int millis) {
        try {
            socket.setSoTimeout(millis);
            byte[] buf = new byte[4096];
            while (true) {
                int n = in.read(buf);
                if (n < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
