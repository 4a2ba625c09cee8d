import OmnisegCore

/// Counts distinct values within a few percent (a K-minimum-values sketch): keeps the `capacity`
/// smallest distinct 64-bit hashes of the values seen. With fewer distinct values than that the count
/// is exact; beyond, it is estimated from how close the largest kept hash is to zero (relative error
/// about 1/√capacity, 3% at the default). Merging keeps the smallest of the union, which is exact and
/// order-independent: the merged sketch is the same whatever the partitioning.
public struct DistinctSketch: Sendable, Equatable {
    public static let defaultCapacity = 1024
    public let capacity: Int
    /// The kept hashes, ascending and distinct.
    public private(set) var hashes: [UInt64] = []
    private var pending: [UInt64] = []

    public init(capacity: Int = defaultCapacity) { self.capacity = max(2, capacity) }

    /// Adds a value's bytes.
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        pending.append(Checksum64.of(bytes, seed: 0x4B4D_5653))
        if pending.count >= 4 * capacity { compact() }
    }

    public mutating func add(_ value: Int64) { withUnsafeBytes(of: value.littleEndian) { add($0) } }
    public mutating func add(_ value: Double) { withUnsafeBytes(of: value.bitPattern.littleEndian) { add($0) } }
    public mutating func add(_ value: String) {
        var text = value
        text.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }

    /// Folds pending hashes into the kept ones.
    public mutating func compact() {
        guard !pending.isEmpty else { return }
        hashes = Self.smallest(hashes + pending, capacity)
        pending = []
    }

    public mutating func merge(_ other: DistinctSketch) {
        compact()
        var other = other
        other.compact()
        hashes = Self.smallest(hashes + other.hashes, capacity)
    }

    /// The estimated number of distinct values.
    public var estimate: Double {
        var copy = self
        copy.compact()
        let kept = copy.hashes
        guard kept.count >= capacity, let largest = kept.last, largest > 0 else { return Double(kept.count) }
        return Double(capacity - 1) / (Double(largest) / 18_446_744_073_709_551_616.0)
    }

    /// ``estimate`` rounded to a whole count (a damaged sketch may estimate more than an Int holds: capped).
    public var roundedEstimate: Int {
        let e = estimate.rounded()
        return e < 9.0e18 ? Int(e) : Int.max
    }

    /// Whether ``estimate`` is an exact count (fewer distinct values than the capacity).
    public var isExact: Bool {
        var copy = self
        copy.compact()
        return copy.hashes.count < capacity
    }

    private static func smallest(_ values: [UInt64], _ n: Int) -> [UInt64] {
        var sorted = values.sorted()
        var unique: [UInt64] = []
        unique.reserveCapacity(min(n, sorted.count))
        for v in sorted where unique.last != v {
            unique.append(v)
            if unique.count == n { break }
        }
        sorted = []
        return unique
    }

    public func encode(into writer: inout WireWriter) {
        var copy = self
        copy.compact()
        writer.count(capacity)
        writer.count(copy.hashes.count)
        writer.integers(copy.hashes)
    }

    /// Decodes a sketch; its hashes must be ascending, distinct and no more than its capacity.
    public static func decode(from reader: inout WireReader) throws(OmnisegError) -> DistinctSketch {
        let capacity = try reader.count(limit: 1 << 20)
        guard capacity >= 2 else { throw reader.failure("distinct sketch capacity \(capacity) is below 2") }
        let n = try reader.count(limit: capacity)
        guard n * 8 <= reader.remaining else { throw reader.failure("distinct sketch claims \(n) hashes, \(reader.remaining) bytes left") }
        let hashes = try reader.integers(n, of: UInt64.self)
        for i in hashes.indices.dropFirst() where hashes[i] <= hashes[i - 1] {
            throw reader.failure("distinct sketch hashes are not ascending at \(i)")
        }
        var sketch = DistinctSketch(capacity: capacity)
        sketch.hashes = hashes
        return sketch
    }
}
