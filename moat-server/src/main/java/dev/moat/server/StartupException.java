package dev.moat.server;

/**
 * The server cannot start: the message says what to change. {@link #exitCode()} is 2 for a config
 * that cannot run (e.g. a public listener without keys), 1 for the environment (port in use).
 */
public final class StartupException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    public StartupException(String message) {
        this(message, 2, null);
    }

    public StartupException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
