package dev.moat.core.store;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A durable store could not read or write (a full or read-only data directory, an I/O error): the
 * request was not carried out and nothing was acknowledged, and the same request can succeed once
 * the fault is lifted. The server answers it 503 with a Retry-After while /healthz is red, not
 * 500: the fault is in the machine, not in the request or the code.
 */
public class StoreFailureException extends UncheckedIOException {
    private static final long serialVersionUID = 1L;

    public StoreFailureException(String message, IOException cause) {
        super(message, cause);
    }
}
