package dev.moat.server.cli;

/** The server did not answer (exit code 3). */
final class Unreachable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unreachable(String message, Throwable cause) {
        super(message, cause);
    }
}
