import OmnisegCore

/// Count, mean, sum of squared deviations, min and max of one column: mergeable (Chan et al.), so
/// shard partials combine into the dataset's moments. Merging in a fixed order gives identical bits.
public struct ColumnMoments: Sendable, Equatable {
    public var count: UInt64 = 0
    public var mean: Double = 0
    /// Sum of squared deviations from the mean.
    public var m2: Double = 0
    public var min: Float = .infinity
    public var max: Float = -.infinity

    public init() {}

    /// The moments of `values` (two passes in Double: the mean, then squared deviations).
    public init(_ values: UnsafeBufferPointer<Float>) {
        guard !values.isEmpty else { return }
        var sum = 0.0
        var lo = Float.infinity
        var hi = -Float.infinity
        for v in values {
            sum += Double(v)
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
        }
        let mean = sum / Double(values.count)
        var m2 = 0.0
        for v in values {
            let d = Double(v) - mean
            m2 += d * d
        }
        self.count = UInt64(values.count)
        self.mean = mean
        self.m2 = m2
        self.min = lo
        self.max = hi
    }

    /// The population variance; 0 for fewer than two values.
    public var variance: Double { count > 1 ? m2 / Double(count) : 0 }

    /// Adds `other` into these moments.
    public mutating func merge(_ other: ColumnMoments) {
        guard other.count > 0 else { return }
        guard count > 0 else { self = other; return }
        let n = Double(count) + Double(other.count)
        let delta = other.mean - mean
        mean += delta * Double(other.count) / n
        m2 += other.m2 + delta * delta * Double(count) * Double(other.count) / n
        count += other.count
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
    }

    package func encode(into writer: inout WireWriter) {
        writer.u64(count)
        writer.f64(mean)
        writer.f64(m2)
        writer.f32(min)
        writer.f32(max)
    }

    package static func decode(from reader: inout WireReader) throws(OmnisegError) -> ColumnMoments {
        var m = ColumnMoments()
        m.count = try reader.tally()
        m.mean = try reader.f64()
        m.m2 = try reader.f64()
        m.min = try reader.f32()
        m.max = try reader.f32()
        return m
    }
}
