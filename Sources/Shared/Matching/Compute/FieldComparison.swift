import Foundation
import Kernels
import OmnisegCore

/// How two records compare on one field, as a level: 0 is the most alike, higher is less alike, and
/// ``missing`` means one side has no value, which is no evidence either way (never disagreement).
public enum FieldComparison {
    /// The level of a field one of the two records lacks.
    public static let missing: UInt8 = 255

    /// Names: exact; Jaro–Winkler ≥ 0.92 or, for names of 5 bytes or more, one edit apart
    /// (``Levenshtein``: "smith" / "smyth" scores 0.89; shorter names stay on Jaro–Winkler, as "ann" /
    /// "dan" are one edit and two names); ≥ 0.88; the same Soundex code (for first names: or a name
    /// and its short form, ``Nicknames``); ≥ 0.70; different (6 levels).
    public static let nameLevels = 6
    public static func name(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> UInt8 {
        name(a, b, variant: .best) { Soundex.code(a) == Soundex.code(b) }
    }

    /// ``name(_:_:)`` for first names, where a known short form counts as the Soundex level.
    public static func firstName(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> UInt8 {
        name(a, b, variant: .best) { Soundex.code(a) == Soundex.code(b) || Nicknames.related(a, b) }
    }

    /// ``name(_:_:)`` where `alike` (asked only when nothing closer holds) says whether the two sound
    /// alike or are forms of one name; Jaro–Winkler by the kernels of `variant`.
    @inline(__always)
    static func name(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer, variant: KernelVariant, alike: () -> Bool) -> UInt8 {
        if a.isEmpty || b.isEmpty { return missing }
        if equal(a, b) { return 0 }
        let similarity = JaroWinkler.similarity(a, b, variant: variant)
        if similarity >= 0.92 || (min(a.count, b.count) >= 5 && Levenshtein.distance(a, b, limit: 1, variant: variant) <= 1) { return 1 }
        if similarity >= 0.88 { return 2 }
        if alike() { return 3 }
        return similarity >= 0.70 ? 4 : 5
    }

    /// Whether two byte strings are equal.
    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count, let x = a.baseAddress, let y = b.baseAddress else { return a.count == b.count }
        return memcmp(x, y, a.count) == 0
    }

    /// Birth dates (`YYYY-MM-DD`): exact; one of year, month, day off or day and month swapped; the
    /// same year only; different (4 levels).
    public static let dateLevels = 4
    public static func birthDate(_ a: CivilDay?, _ b: CivilDay?) -> UInt8 {
        guard let a, let b else { return missing }
        if a == b { return 0 }
        let same = (a.year == b.year ? 1 : 0) + (a.month == b.month ? 1 : 0) + (a.day == b.day ? 1 : 0)
        if same == 2 || (a.year == b.year && a.month == b.day && a.day == b.month) { return 1 }
        return a.year == b.year ? 2 : 3
    }

    /// A value compared for equality only (postcode, city, region): equal; different (2 levels).
    public static let exactLevels = 2
    public static func exact(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> UInt8 {
        if a.isEmpty || b.isEmpty { return missing }
        return a.elementsEqual(b) ? 0 : 1
    }

    /// ``exact(_:_:)`` over keys of the values (``MatchRecord``'s postcode and city keys; 0 is missing).
    @inline(__always)
    public static func exact(_ a: UInt64, _ b: UInt64) -> UInt8 {
        if a == 0 || b == 0 { return missing }
        return a == b ? 0 : 1
    }

    /// Streets by their words: the same words; at least half of the words of the shorter shared;
    /// different (3 levels). Words are runs of letters and digits.
    public static let streetLevels = 3
    public static func street(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> UInt8 {
        street(words: words(a).sorted(), words(b).sorted())
    }

    /// ``street(_:_:)`` over each street's words, sorted (as ``MatchRecord`` keeps them).
    static func street(words x: [UInt64], _ y: [UInt64]) -> UInt8 {
        x.withUnsafeBufferPointer { x in y.withUnsafeBufferPointer { y in street(words: x, y) } }
    }

    /// ``street(words:_:)`` over buffers.
    @inline(__always)
    static func street(words x: UnsafeBufferPointer<UInt64>, _ y: UnsafeBufferPointer<UInt64>) -> UInt8 {
        if x.isEmpty || y.isEmpty { return missing }
        if x.elementsEqual(y) { return 0 }
        var shared = 0, i = 0, j = 0
        while i < x.count, j < y.count {
            if x[i] == y[j] {
                shared += 1
                i += 1
                j += 1
            } else if x[i] < y[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return 2 * shared >= min(x.count, y.count) ? 1 : 2
    }

    /// The words of a street as 64-bit hashes of their bytes (FNV-1a: a set key, not a checksum).
    static func words(_ bytes: UnsafeRawBufferPointer) -> Set<UInt64> {
        var result = Set<UInt64>()
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325, length = 0
        func flush() {
            if length > 0 { result.insert(hash) }
            hash = 0xcbf2_9ce4_8422_2325
            length = 0
        }
        for byte in bytes {
            let isWord = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte >= 0x80
            if isWord {
                hash = (hash ^ UInt64(byte.asciiLowercased)) &* 0x100_0000_01b3
                length += 1
            } else {
                flush()
            }
        }
        flush()
        return result
    }
}

/// A calendar day, as birth dates are stored (`YYYY-MM-DD`).
public struct CivilDay: Sendable, Equatable {
    public let year: Int, month: Int, day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`; nil for anything else.
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        self.init(year: y, month: m, day: d)
    }
}
