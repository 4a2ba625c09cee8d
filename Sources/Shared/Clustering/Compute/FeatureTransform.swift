import Features
import Kernels
import OmnisegCore

/// How one clustered feature is reshaped before it is standardized: `log1p` for a non-negative,
/// right-skewed feature (money, counts: a few heavy spenders would otherwise make clusters of their
/// own), then clipped to percentiles of the seeded sample (winsorizing).
public struct FeatureTransform: Sendable, Equatable {
    /// `log1p(max(x, 0))` before clipping.
    public var log: Bool
    /// The clip bounds, in the transformed unit (−∞ and +∞ when not clipped).
    public var low: Float
    public var high: Float

    public static let identity = FeatureTransform(log: false, low: -.infinity, high: .infinity)

    public init(log: Bool, low: Float, high: Float) {
        self.log = log
        self.low = low
        self.high = high
    }

    public var isIdentity: Bool { self == .identity }

    /// The transformed value of `x` (bit for bit what a task computes for a shard, ``ColumnTransform``).
    @inline(__always)
    public func apply(_ x: Float) -> Float {
        ColumnTransform.apply(log: log, low: low, high: high, x)
    }

    /// "log1p, clipped to [0, 8.3]", "clipped to [0, 41]", "as is".
    public var summary: String {
        var parts: [String] = []
        if log { parts.append("log1p") }
        if low.isFinite || high.isFinite {
            parts.append("clipped to [\(low.isFinite ? Self.short(low) : "−∞"), \(high.isFinite ? Self.short(high) : "∞")]")
        }
        return parts.isEmpty ? "as is" : parts.joined(separator: ", ")
    }

    /// Two decimals below 10, one below 100, none above.
    private static func short(_ v: Float) -> String {
        let a = abs(Double(v))
        return Format.fixed(Double(v), a >= 100 ? 0 : a >= 10 ? 1 : 2)
    }

    /// Which transforms a `cluster` job may choose.
    public enum Policy: String, Sendable, CaseIterable {
        /// log1p where a feature is never negative and its sample skewness is above 1.
        case auto
        /// log1p for every feature that is never negative.
        case log
        /// No log (winsorizing still applies unless it is 1).
        case none
    }

    /// The skewness above which `auto` takes the log.
    public static let skewnessForLog = 1.0

    /// The transform of a feature whose sample values are `sample` and whose smallest value over every
    /// row is `minimum`; `winsorize` is the upper percentile to clip at (the lower is `1 − winsorize`;
    /// 1 clips nothing). A percentile bound equal to the other is dropped (clipping would make the
    /// feature constant).
    public static func choose(sample: [Float], minimum: Float, policy: Policy, winsorize: Double) -> FeatureTransform {
        var transform = FeatureTransform.identity
        if minimum >= 0 {
            switch policy {
            case .log: transform.log = true
            case .auto: transform.log = skewness(sample) > skewnessForLog
            case .none: break
            }
        }
        guard winsorize < 1, !sample.isEmpty else { return transform }
        let sorted = sample.map { transform.apply($0) }.sorted()
        let low = quantile(sorted, 1 - winsorize), high = quantile(sorted, winsorize)
        if low < high {
            if low > sorted[0] { transform.low = low }
            if high < sorted[sorted.count - 1] { transform.high = high }
        }
        return transform
    }

    /// The value at `p` of ascending `sorted` (nearest rank).
    static func quantile<T>(_ sorted: [T], _ p: Double) -> T {
        sorted[Swift.min(sorted.count - 1, Swift.max(0, Int((p * Double(sorted.count)).rounded(.down))))]
    }

    /// The sample skewness (third standardized moment; 0 for a constant sample).
    static func skewness(_ values: [Float]) -> Double {
        guard values.count > 2 else { return 0 }
        let n = Double(values.count)
        let mean = values.reduce(0.0) { $0 + Double($1) } / n
        var m2 = 0.0, m3 = 0.0
        for v in values {
            let d = Double(v) - mean
            m2 += d * d
            m3 += d * d * d
        }
        m2 /= n
        m3 /= n
        return m2 > 0 ? m3 / (m2 * m2.squareRoot()) : 0
    }

    func encode(into w: inout WireWriter) {
        w.u8(log ? 1 : 0)
        w.f32(low)
        w.f32(high)
    }

    static func decode(from r: inout WireReader) throws(OmnisegError) -> FeatureTransform {
        let log = try r.u8()
        guard log <= 1 else { throw r.failure("a feature transform's log flag is \(log), not 0 or 1") }
        let t = FeatureTransform(log: log == 1, low: try r.f32(), high: try r.f32())
        guard !t.low.isNaN, !t.high.isNaN, t.low < t.high, t.low < .infinity, t.high > -.infinity else {
            throw r.failure("a feature transform clips to [\(t.low), \(t.high)], not an interval")
        }
        return t
    }

    /// A shard of `columns.count` columns: column `i` is `transforms[i]` of the shard's column `columns[i]`.
    static func apply(_ transforms: [FeatureTransform], to shard: FeatureShard, columns: [Int]) -> FeatureShard {
        let out = FeatureShard(rowStart: shard.rowStart, rowCount: shard.rowCount, columnCount: columns.count)
        for (i, c) in columns.enumerated() {
            let t = transforms[i]
            let target = out.mutableColumn(i)
            ColumnTransform.apply(log: t.log, low: t.low, high: t.high, source: shard.column(c), target: target)
            for row in shard.rowCount..<target.count { target[row] = 0 }  // the padding stays zero, as in every shard
        }
        return out
    }
}

/// How a `cluster` job standardizes the transformed features.
public enum FeatureScaling: String, Sendable, CaseIterable {
    /// Mean and standard deviation.
    case standard
    /// Median and interquartile range / 1.349 (the standard deviation of a normal distribution with
    /// that IQR); the standard deviation where the IQR is 0.
    case robust

    /// The center and scale of `values` (a scale of 1 for a constant feature).
    func centerAndScale(_ values: [Double]) -> (center: Double, scale: Double) {
        let n = Double(max(1, values.count))
        let mean = values.reduce(0, +) / n
        let deviation = (values.reduce(0.0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
        switch self {
        case .standard:
            return (mean, deviation > 0 ? deviation : 1)
        case .robust:
            guard !values.isEmpty else { return (0, 1) }
            let sorted = values.sorted()
            let iqr = (FeatureTransform.quantile(sorted, 0.75) - FeatureTransform.quantile(sorted, 0.25)) / 1.349
            return (FeatureTransform.quantile(sorted, 0.5), iqr > 0 ? iqr : deviation > 0 ? deviation : 1)
        }
    }
}
