import OmnisegCore

/// Seeded structure-blind mutations of valid encodings: bit flips, byte and word overwrites with
/// values that break length fields and counts, truncation, insertion, deletion, duplication and
/// splicing with another input. The same seed and case give the same bytes.
public struct Mutator {
    private var rng: SplitMix64

    /// A mutator for case `index` of a run seeded with `seed`.
    public init(seed: UInt64, index: UInt64) {
        rng = SplitMix64(seed: seed, stream: 0xF0_22, index: index)
    }

    /// Lengths, counts and sentinels that decoders most often trust.
    private static let words: [UInt64] = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x1_0000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF,
                                          0x1_0000_0000, 0x7FF0_0000_0000_0000 /* +inf as f64 */, 0x7FF8_0000_0000_0000 /* NaN */,
                                          0x8000_0000_0000_0000, UInt64.max]

    /// A mutation of `seed`; `other` is another valid input to splice from.
    public mutating func mutate(_ seed: [UInt8], other: [UInt8]) -> [UInt8] {
        if rng.below(64) == 0 { return (0..<rng.below(512)).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
        var bytes = seed
        for _ in 0...rng.below(4) { mutateOnce(&bytes, other: other) }
        return bytes
    }

    private mutating func mutateOnce(_ bytes: inout [UInt8], other: [UInt8]) {
        guard !bytes.isEmpty else {
            bytes = (0..<1 + rng.below(16)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            return
        }
        let at = rng.below(bytes.count)
        switch rng.below(10) {
        case 0: bytes[at] ^= UInt8(1) << UInt8(rng.below(8))
        case 1: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
        case 2, 3:
            // A word of 1, 2, 4 or 8 bytes, little-endian (how the codecs write numbers).
            let width = [1, 2, 4, 8][rng.below(4)]
            var value = Self.words[rng.below(Self.words.count)]
            if rng.chance(0.3) { value &+= UInt64(rng.below(3)) &- 1 }
            for i in 0..<width where at + i < bytes.count { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        case 4: bytes.removeSubrange(at...)
        case 5: bytes.insert(contentsOf: (0..<1 + rng.below(32)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: at)
        case 6: bytes.removeSubrange(at..<min(bytes.count, at + 1 + rng.below(64)))
        case 7:
            let end = min(bytes.count, at + 1 + rng.below(64))
            bytes.insert(contentsOf: bytes[at..<end], at: end)
        case 8:
            guard !other.isEmpty else { return }
            let from = rng.below(other.count)
            let piece = other[from..<min(other.count, from + 1 + rng.below(256))]
            bytes.replaceSubrange(at..<min(bytes.count, at + piece.count), with: piece)
        default:
            // A LEB128 continuation run (the packed partials' varints).
            for i in 0..<min(10, bytes.count - at) { bytes[at + i] |= 0x80 }
        }
    }
}
