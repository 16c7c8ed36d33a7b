package dev.moat.core.store;

import dev.moat.core.ban.LogEntry;
import dev.moat.core.ban.ScoreChange;

/** What {@link StateStore#recordViolation} wrote: the score change and the log entry with its sequence number. */
public record RecordedViolation(ScoreChange change, LogEntry entry) {
}
