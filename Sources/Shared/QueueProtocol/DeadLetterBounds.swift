/// How much the dead-letter stream keeps: it is capped in bytes, not entries, and an oversized
/// message (a garbage entry of many megabytes) is kept as a bounded prefix beside its full size.
public enum DeadLetterBounds {
    /// The most of a dead-lettered message that is kept: 64 KiB.
    public static let envelopeBytes = 64 << 10
    /// The most of a failure's reason that is kept: 4 KiB.
    public static let reasonBytes = 4 << 10
    /// The stream's byte budget; past it the oldest letters are dropped: 64 MiB.
    public static let streamBytes = 64 << 20
}
