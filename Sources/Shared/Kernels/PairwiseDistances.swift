import Features
import KernelsAVX2
import KernelsAVX512

/// Squared Euclidean distances between points held column-major (a ``FeatureShard``), through the
/// kernel variant chosen for this CPU: one point against all, a vector of points at a time.
public enum PairwiseDistances {
    /// `out[j]` = squared distance from row `from` to row `j` of `points`, for every row.
    public static func squared(_ points: FeatureShard, from: Int, variant: KernelVariant = .best, into out: inout [Float]) {
        let n = points.rowCount
        if out.count < n { out = [Float](repeating: 0, count: n) }
        let pointers = (0..<points.columnCount).compactMap { points.column($0).baseAddress }
        guard n > 0, pointers.count == points.columnCount else { return }
        pointers.withUnsafeBufferPointer { columns in
            out.withUnsafeMutableBufferPointer { out in
                guard let c = columns.baseAddress, let o = out.baseAddress else { return }
                switch variant {
                case .avx512: squaredDistancesAVX512(columns: c, dimension: points.columnCount, count: n, from: from, out: o)
                case .avx2: squaredDistancesAVX2(columns: c, dimension: points.columnCount, count: n, from: from, out: o)
                case .portable:
                    for j in 0..<n {
                        var total: Float = 0
                        for k in 0..<points.columnCount {
                            let difference = c[k][j] - c[k][from]
                            total += difference * difference
                        }
                        o[j] = total
                    }
                }
            }
        }
    }
}
