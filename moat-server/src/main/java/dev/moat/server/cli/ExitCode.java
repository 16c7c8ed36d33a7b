package dev.moat.server.cli;

/**
 * Exit codes a script can rely on:
 * <ul>
 *   <li>{@code 0}: done; for {@code check}, the request is allowed
 *   <li>{@code 1}: the answer is no: {@code check} refused it, the ban or subject does not exist,
 *       or the server denied the key (401/403); for {@code serve}, it could not start (port in use)
 *   <li>{@code 2}: usage or config error: bad arguments, an invalid config file, a 400 from the server,
 *       {@code serve} on a public address without API keys
 *   <li>{@code 3}: the server is unreachable (connection refused, timeout) or answered 5xx
 * </ul>
 */
public final class ExitCode {
    public static final int OK = 0;
    public static final int NO = 1;
    public static final int USAGE = 2;
    public static final int UNREACHABLE = 3;

    private ExitCode() {
    }

    /** The exit code for an HTTP error status from the server. */
    static int forStatus(int status) {
        if (status == 401 || status == 403 || status == 404) {
            return NO;
        }
        if (status >= 500) {
            return UNREACHABLE;
        }
        return USAGE;
    }
}
