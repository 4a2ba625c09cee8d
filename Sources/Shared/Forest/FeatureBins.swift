import Kernels
import KernelsC

/// Cut points that turn a feature's float values into at most 256 bins (a uint8 per value), for
/// histogram-based tree training and for scoring with thresholds as bin ids.
///
/// Bin `b` holds the values `v` with `edges[b − 1] < v ≤ edges[b]` (bin 0: `v ≤ edges[0]`; the last
/// bin: everything above the last edge). With at most 256 distinct values each gets its own bin;
/// otherwise the edges are the sample's quantiles, so bins hold about equal numbers of values.
public struct FeatureBins: Sendable, Equatable {
    public static let maximumBins = 256
    /// Ascending, at most 255.
    public let edges: [Float]
    /// `edges` padded to 255 with +∞, for the binning kernels' branch-free search.
    let paddedEdges: [Float]

    public var binCount: Int { edges.count + 1 }

    public init(edges: [Float]) {
        precondition(edges.count < Self.maximumBins && zip(edges, edges.dropFirst()).allSatisfy { $0 < $1 })
        self.edges = edges
        paddedEdges = edges + [Float](repeating: .infinity, count: Self.maximumBins - 1 - edges.count)
    }

    public static func == (a: FeatureBins, b: FeatureBins) -> Bool { a.edges == b.edges }

    /// Edges from a sample of the feature's values (NaN is not expected: features are finite).
    public init(sample: [Float], maximumBins: Int = FeatureBins.maximumBins) {
        precondition(maximumBins >= 2 && maximumBins <= Self.maximumBins)
        let sorted = sample.sorted()
        var distinct: [Float] = []
        for v in sorted where distinct.last != v { distinct.append(v) }
        guard distinct.count > maximumBins else {
            // One bin per distinct value: edges at the values themselves (the last one is not needed).
            self.init(edges: Array(distinct.dropLast()))
            return
        }
        var edges: [Float] = []
        for b in 1..<maximumBins {
            let v = sorted[b * sorted.count / maximumBins - 1]
            if edges.last.map({ v > $0 }) ?? true, v < sorted[sorted.count - 1] { edges.append(v) }
        }
        self.init(edges: edges)
    }

    /// The bin of `value`: the number of edges below it.
    @inline(__always)
    public func bin(_ value: Float) -> UInt8 {
        var low = 0, high = edges.count
        while low < high {
            let middle = (low + high) >> 1
            if edges[middle] < value { low = middle + 1 } else { high = middle }
        }
        return UInt8(low)
    }

    /// Bins `values` into `out[i × stride]` with the binning kernel `variant`.
    public func bin(_ values: UnsafeBufferPointer<Float>, into out: UnsafeMutablePointer<UInt8>, stride: Int,
                    variant: KernelVariant = .best) {
        guard let base = values.baseAddress else { return }
        paddedEdges.withUnsafeBufferPointer { edges in
            guard let e = edges.baseAddress else { return }
            switch variant {
            case .avx512: omniseg_bin_avx512(base, values.count, e, out, stride)
            case .avx2: omniseg_bin_avx2(base, values.count, e, out, stride)
            case .portable: omniseg_bin_portable(base, values.count, e, out, stride)
            }
        }
    }

    /// The largest value a bin holds, for reporting a split as "feature ≤ value".
    public func upperValue(ofBin b: Int) -> Float { b < edges.count ? edges[b] : .infinity }
}
