import Kernels
import OmnisegCore

/// One bit per person of a range of rows (a shard, or a whole feature set): bit r is word r / 64,
/// bit r % 64. Bits past `count` are always zero, so counts and complements need no masking later.
public struct PersonBitset: Sendable, Equatable {
    public private(set) var words: [UInt64]
    /// The number of people (bits) it covers.
    public let count: Int

    /// `count` people, none in the set.
    public init(count: Int) {
        self.count = count
        words = [UInt64](repeating: 0, count: (count + 63) / 64)
    }

    /// `count` people; person r is in the set when `member(r)`.
    public init(count: Int, where member: (Int) -> Bool) {
        self.init(count: count)
        words.withUnsafeMutableBufferPointer { w in
            for r in 0..<count where member(r) { w[r >> 6] |= 1 << UInt64(r & 63) }
        }
    }

    /// Every person.
    public static func all(count: Int) -> PersonBitset {
        var set = PersonBitset(count: count)
        set.invert()
        return set
    }

    public init(words: [UInt64], count: Int) throws(OmnisegError) {
        guard words.count == (count + 63) / 64 else {
            throw OmnisegError(.corrupt, "a bitset of \(count) people needs \((count + 63) / 64) words, not \(words.count)")
        }
        if count % 64 != 0, let last = words.last, last >> UInt64(count % 64) != 0 {
            throw OmnisegError(.corrupt, "a bitset of \(count) people has bits set past its end")
        }
        self.words = words
        self.count = count
    }

    public subscript(_ r: Int) -> Bool { words[r >> 6] >> UInt64(r & 63) & 1 == 1 }

    public mutating func insert(_ r: Int) { words[r >> 6] |= 1 << UInt64(r & 63) }

    /// The people in the set.
    public var populationCount: Int {
        words.withUnsafeBufferPointer { w in w.baseAddress.map { BitsetKernels.popcount($0, w.count) } ?? 0 }
    }

    /// The people in both sets.
    public func intersectionCount(_ other: PersonBitset) -> Int {
        precondition(count == other.count, "bitsets of \(count) and \(other.count) people")
        return words.withUnsafeBufferPointer { a in
            other.words.withUnsafeBufferPointer { b in
                guard let a = a.baseAddress, let b = b.baseAddress else { return 0 }
                return BitsetKernels.intersectionCount(a, b, words.count)
            }
        }
    }

    public mutating func formIntersection(_ other: PersonBitset) { combine(.and, other) }
    public mutating func formUnion(_ other: PersonBitset) { combine(.or, other) }
    /// Removes the people of `other` (AND NOT).
    public mutating func subtract(_ other: PersonBitset) { combine(.andNot, other) }

    /// Everyone not in the set (bits past `count` stay zero).
    public mutating func invert() {
        for i in words.indices { words[i] = ~words[i] }
        if count % 64 != 0, !words.isEmpty { words[words.count - 1] &= (1 << UInt64(count % 64)) - 1 }
    }

    /// The rows in the set, ascending.
    public var members: [Int] {
        var rows: [Int] = []
        for (w, word) in words.enumerated() {
            var bits = word
            while bits != 0 {
                rows.append(w * 64 + bits.trailingZeroBitCount)
                bits &= bits - 1
            }
        }
        return rows
    }

    private mutating func combine(_ operation: BitsetKernels.Operation, _ other: PersonBitset) {
        precondition(count == other.count, "bitsets of \(count) and \(other.count) people")
        let n = words.count
        words.withUnsafeMutableBufferPointer { a in
            other.words.withUnsafeBufferPointer { b in
                guard let a = a.baseAddress, let b = b.baseAddress else { return }
                BitsetKernels.combine(operation, a, b, n)
            }
        }
    }
}
