package dev.moat.core.ban;

/** A score before and after one violation (both decayed to the same instant). */
public record ScoreChange(double previous, double current) {
}
