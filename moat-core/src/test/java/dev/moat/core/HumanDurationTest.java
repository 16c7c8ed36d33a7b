package dev.moat.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HumanDurationTest {

    @Test
    void roundsUpAtEveryUnitBoundary() {
        assertEquals("1 second", HumanDuration.text(0));
        assertEquals("1 second", HumanDuration.text(1));
        assertEquals("2 seconds", HumanDuration.text(1_001));
        assertEquals("59 seconds", HumanDuration.text(59_000));
        assertEquals("1 minute", HumanDuration.text(59_001));
        assertEquals("2 minutes", HumanDuration.text(60_001));
        assertEquals("59 minutes", HumanDuration.text(59 * 60_000L));
        assertEquals("1 hour", HumanDuration.text(60 * 60_000L));
        assertEquals("2 hours 3 minutes", HumanDuration.text((2 * 60 + 3) * 60_000L));
        assertEquals("1 hour 1 minute", HumanDuration.text(61 * 60_000L));
        assertEquals("47 hours 59 minutes", HumanDuration.text((48 * 60 - 1) * 60_000L));
        assertEquals("2 days", HumanDuration.text(48 * 3_600_000L));
        assertEquals("3 days", HumanDuration.text(49 * 3_600_000L));
    }

    @Test
    void aNegativeWaitReadsAsOneSecond() {
        assertEquals("1 second", HumanDuration.text(-5_000));
    }
}
