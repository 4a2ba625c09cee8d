/// How many candidate pairs show each comparison pattern of the matcher's fields, in a flat table
/// (one slot per pattern, missing counted as one more level): counting a pair is one add, no hashing.
struct PatternCounts {
    /// Each field's slots: its levels and missing.
    static let radix: [Int] = ProbabilisticLinker.fields.map { $0.levels + 1 }
    static let size: Int = radix.reduce(1, *)

    private(set) var slots = [UInt64](repeating: 0, count: PatternCounts.size)

    /// The slot of `pattern`.
    @inline(__always)
    static func slot(_ pattern: ComparisonPattern) -> Int {
        var slot = 0
        for f in (0..<radix.count).reversed() {
            let level = pattern.level(f)
            slot = slot * radix[f] + (level == FieldComparison.missing ? radix[f] - 1 : min(Int(level), radix[f] - 2))
        }
        return slot
    }

    /// The pattern of `slot`.
    static func pattern(_ slot: Int) -> ComparisonPattern {
        var rest = slot
        var levels: [UInt8] = []
        for f in 0..<radix.count {
            let digit = rest % radix[f]
            rest /= radix[f]
            levels.append(digit == radix[f] - 1 ? FieldComparison.missing : UInt8(digit))
        }
        return ComparisonPattern(levels: levels)
    }

    @inline(__always)
    mutating func add(_ pattern: ComparisonPattern, count: UInt64 = 1) { slots[Self.slot(pattern)] &+= count }

    /// Pairs counted.
    var total: UInt64 { slots.reduce(0, &+) }

    /// The counts as ``MatchModel/levelShares(_:fields:)`` and ``MatchModel/estimate(_:updatingM:maxIterations:tolerance:)`` take them.
    var dictionary: [ComparisonPattern: Int] {
        var counts: [ComparisonPattern: Int] = [:]
        for (slot, n) in slots.enumerated() where n > 0 { counts[Self.pattern(slot)] = Int(n) }
        return counts
    }

    /// The patterns seen, ascending by pattern bits, with their counts.
    var counted: [(pattern: ComparisonPattern, count: UInt64)] {
        slots.indices.compactMap { slots[$0] == 0 ? nil : (Self.pattern($0), slots[$0]) }.sorted { $0.pattern < $1.pattern }
    }
}
