package dev.moat.core.content;

/** Where a message is sent, as filters are scoped ({@code where: [public, dm]}). */
public enum Place {
    /** A public room or channel ({@code message.kind: "public"}). */
    PUBLIC,
    /** A direct message ({@code message.kind: "dm"}). */
    DM
}
