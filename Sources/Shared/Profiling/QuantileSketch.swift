import Foundation
import OmnisegCore

/// A relative-error quantile sketch (DDSketch): values fall in logarithmic buckets, so any quantile is
/// returned within `relativeAccuracy` of a true value of that rank. Merging adds bucket counts, which
/// is exact and order-independent: the merged sketch is the same whatever the sharding.
public struct QuantileSketch: Sendable, Equatable {
    /// Relative accuracy of every quantile (1%).
    public static let relativeAccuracy = 0.01
    static let gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
    static let logGamma = log(gamma)
    /// Values with magnitude below this count as zero.
    static let minMagnitude = 1e-9

    /// Counts of positive values by bucket index, from `positiveOffset`.
    private var positive = BucketCounts()
    /// Counts of negative values by the bucket index of their magnitude.
    private var negative = BucketCounts()
    public private(set) var zeroCount: UInt64 = 0

    public init() {}

    /// Adds every value of `values`.
    public mutating func add(_ values: UnsafeBufferPointer<Float>) {
        for v in values {
            let x = Double(v)
            if x > Self.minMagnitude {
                positive.increment(Self.index(x))
            } else if x < -Self.minMagnitude {
                negative.increment(Self.index(-x))
            } else {
                zeroCount += 1
            }
        }
    }

    public var count: UInt64 { positive.total + negative.total + zeroCount }

    /// The value at quantile `q` (0…1); nil for an empty sketch.
    public func quantile(_ q: Double) -> Double? {
        let n = count
        guard n > 0 else { return nil }
        let rank = UInt64((min(max(q, 0), 1) * Double(n - 1)).rounded(.down))
        var seen: UInt64 = 0
        for (index, c) in negative.descending where c > 0 {
            seen += c
            if seen > rank { return -Self.value(index) }
        }
        seen += zeroCount
        if seen > rank { return 0 }
        for (index, c) in positive.ascending where c > 0 {
            seen += c
            if seen > rank { return Self.value(index) }
        }
        return positive.ascending.last.map { Self.value($0.index) } ?? 0
    }

    /// Adds `other`'s counts into this sketch.
    public mutating func merge(_ other: QuantileSketch) {
        positive.merge(other.positive)
        negative.merge(other.negative)
        zeroCount += other.zeroCount
    }

    static func index(_ magnitude: Double) -> Int { Int((log(magnitude) / logGamma).rounded(.up)) }
    static func value(_ index: Int) -> Double { 2 * pow(gamma, Double(index)) / (gamma + 1) }

    func encode(into writer: inout WireWriter) {
        writer.u64(zeroCount)
        positive.encode(into: &writer)
        negative.encode(into: &writer)
    }

    static func decode(from reader: inout WireReader) throws(OmnisegError) -> QuantileSketch {
        var sketch = QuantileSketch()
        sketch.zeroCount = try reader.u64()
        guard sketch.zeroCount <= BucketCounts.maximumTotal else { throw reader.failure("a sketch counts \(sketch.zeroCount) zeros") }
        sketch.positive = try BucketCounts.decode(from: &reader)
        sketch.negative = try BucketCounts.decode(from: &reader)
        return sketch
    }
}

/// Dense bucket counts over a contiguous index range that grows as needed.
struct BucketCounts: Sendable, Equatable {
    private(set) var offset = 0
    private(set) var counts: [UInt64] = []

    var total: UInt64 { counts.reduce(0, +) }

    /// The most values one decoded partial may count (2⁴⁰): partials of 65,536 shards still sum
    /// without overflow.
    static let maximumTotal: UInt64 = 1 << 40

    mutating func increment(_ index: Int) { add(index, 1) }

    mutating func add(_ index: Int, _ amount: UInt64) {
        if counts.isEmpty {
            offset = index
            counts = [0]
        } else if index < offset {
            counts.insert(contentsOf: repeatElement(0, count: offset - index), at: 0)
            offset = index
        } else if index >= offset + counts.count {
            counts.append(contentsOf: repeatElement(0, count: index - offset - counts.count + 1))
        }
        counts[index - offset] += amount
    }

    mutating func merge(_ other: BucketCounts) {
        for (i, c) in other.counts.enumerated() where c > 0 { add(other.offset + i, c) }
    }

    var ascending: [(index: Int, count: UInt64)] { counts.enumerated().map { (offset + $0.offset, $0.element) } }
    var descending: [(index: Int, count: UInt64)] { ascending.reversed() }

    func encode(into writer: inout WireWriter) {
        writer.i64(Int64(offset))
        writer.count(counts.count)
        for c in counts { writer.u64(c) }
    }

    static func decode(from reader: inout WireReader) throws(OmnisegError) -> BucketCounts {
        var buckets = BucketCounts()
        let offset = try reader.i64()
        guard (-100_000...100_000).contains(offset) else { throw reader.failure("a sketch bucket offset of \(offset) is out of range") }
        buckets.offset = Int(offset)
        let n = try reader.count(limit: 1 << 16)
        guard n * 8 <= reader.remaining else { throw reader.failure("a sketch lists \(n) buckets in \(reader.remaining) bytes") }
        buckets.counts.reserveCapacity(n)
        var total: UInt64 = 0
        for _ in 0..<n {
            let c = try reader.u64()
            total += min(c, maximumTotal + 1)
            guard total <= maximumTotal else { throw reader.failure("a sketch counts more than \(maximumTotal) values in one shard") }
            buckets.counts.append(c)
        }
        return buckets
    }
}
