package dev.moat.sqlite;

/** Waiting for a store thread to finish its queue and end, even when the caller is interrupted. */
final class ThreadEnd {
    private ThreadEnd() {
    }

    /**
     * Joins {@code thread} until it has ended: an interrupt does not cut the wait short (the thread is
     * committing or flushing acknowledged work), it is only remembered.
     *
     * @return whether the caller was interrupted while waiting; it should restore the flag
     */
    static boolean await(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        return interrupted;
    }
}
