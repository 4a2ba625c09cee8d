import Features
import KernelsAVX2
import KernelsAVX512
import OmnisegCore

/// Which build of the kernels runs: one per instruction set, chosen at run time from the CPU.
public enum KernelVariant: String, Sendable, CaseIterable {
    case avx512
    case avx2
    /// Plain Swift: any x86-64 (and the reference the others are tested against).
    case portable

    /// The fastest variant this CPU runs; `OMNISEG_KERNELS=avx2|portable` forces a slower one
    /// (a faster one than the CPU has is ignored).
    public static let best: KernelVariant = {
        let supported = supportedHere
        if let forced = ProcessEnvironment.value("OMNISEG_KERNELS").flatMap(KernelVariant.init(rawValue:)), supported.contains(forced) {
            return forced
        }
        return supported[0]
    }()

    /// The variants this CPU can run, fastest first.
    public static let supportedHere: [KernelVariant] = {
        switch CPUFeatures.simdLevel {
        case "avx512": return [.avx512, .avx2, .portable]
        case "avx2": return [.avx2, .portable]
        default: return [.portable]
        }
    }()
}

/// Centroids prepared for the assignment kernels: for standardized features `x' = (x − center) / scale`
/// and centroid `μ` (in that standardized space), the squared distance is `‖x'‖² + score` with
/// `score = ‖μ‖² − 2 x'·μ = bias + Σ x_c weight_c`, where `weight_c = −2 μ_c / scale_c` and
/// `bias = ‖μ‖² + 2 Σ center_c μ_c / scale_c`. So the kernels read the raw feature columns and never
/// standardize a value. Centroids are stored in tiles of eight (the kernels' register blocking),
/// padded with centroids whose bias is +∞.
public struct CentroidTable: Sendable {
    public let k: Int
    public let dimension: Int
    public let tiles: Int
    /// `tiles × dimension × 8`: the weight of centroid `8t + j` for column `c` at `(t × dimension + c) × 8 + j`.
    public let tileWeights: [Float]
    /// `tiles × 8`.
    public let bias: [Float]
    public let center: [Float]
    public let inverseScale: [Float]

    /// `centroids`: `k × dimension`, row-major, in standardized space.
    public init(centroids: [Double], k: Int, center: [Float], scale: [Float]) {
        let d = center.count
        precondition(k > 0 && centroids.count == k * d && scale.count == d)
        self.k = k
        dimension = d
        tiles = (k + 7) / 8
        self.center = center
        inverseScale = scale.map { $0 > 0 ? 1 / $0 : 0 }
        var weights = [Float](repeating: 0, count: tiles * d * 8)
        var bias = [Float](repeating: .infinity, count: tiles * 8)
        for j in 0..<k {
            let (t, lane) = j.quotientAndRemainder(dividingBy: 8)
            var norm = 0.0
            var shift = 0.0
            for c in 0..<d {
                let mu = centroids[j * d + c]
                let inverse = Double(inverseScale[c])
                weights[(t * d + c) * 8 + lane] = Float(-2 * mu * inverse)
                norm += mu * mu
                shift += Double(center[c]) * mu * inverse
            }
            bias[j] = Float(norm + 2 * shift)
        }
        tileWeights = weights
        self.bias = bias
    }
}

/// What one shard contributes to a Lloyd iteration: per-centroid sums of the raw feature values and
/// counts (the merge turns them into new standardized centroids), and the inertia.
public struct ShardAssignment: Sendable, Equatable {
    /// `k × dimension`, raw (unstandardized) feature sums.
    public var sums: [Double]
    public var counts: [Int64]
    /// Sum of squared standardized distances to the nearest centroid.
    public var inertia: Double
}

/// Buffers an assignment reuses from shard to shard (so the kernels themselves allocate nothing).
public struct AssignmentScratch {
    public var labels: [Int32] = []
    /// Each row's squared standardized distance to its centroid.
    public var distances: [Float] = []
    var floatSums: [Float] = []
    var wideSums: [Double] = []
    public init() {}

    mutating func reserve(_ rows: Int, sums: Int) {
        if labels.count < rows {
            labels = [Int32](repeating: 0, count: rows)
            distances = [Float](repeating: 0, count: rows)
        }
        if floatSums.count < sums {
            floatSums = [Float](repeating: 0, count: sums)
            wideSums = [Double](repeating: 0, count: sums)
        }
    }
}

/// Nearest-centroid assignment of a shard's rows (a Lloyd step), through the kernel variant chosen
/// for this CPU. Every variant gives the same bits (see `lloydStepAVX512`): workers on different
/// CPUs produce identical partials.
public enum NearestCentroid {
    /// Assigns every row of `shard` (features `columns`, in table order) to its nearest centroid and
    /// returns the sums, counts and inertia. `scratch.labels[0..<rowCount]` holds the labels afterwards.
    public static func assign(_ shard: FeatureShard, columns: [Int], table: CentroidTable, variant: KernelVariant = .best,
                              scratch: inout AssignmentScratch) -> ShardAssignment {
        precondition(columns.count == table.dimension)
        let n = shard.rowCount
        let width = (table.dimension + 15) / 16 * 16
        scratch.reserve(n, sums: table.k * width)
        let pointers = columns.compactMap { shard.column($0).baseAddress }
        guard n > 0, pointers.count == columns.count else {
            return ShardAssignment(sums: [Double](repeating: 0, count: table.k * table.dimension),
                                   counts: [Int64](repeating: 0, count: table.k), inertia: 0)
        }
        scratch.wideSums.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        var counts = [Int64](repeating: 0, count: table.k)
        pointers.withUnsafeBufferPointer { cols in
            table.tileWeights.withUnsafeBufferPointer { w in
                table.bias.withUnsafeBufferPointer { b in
                    table.center.withUnsafeBufferPointer { center in
                        table.inverseScale.withUnsafeBufferPointer { inverse in
                            scratch.labels.withUnsafeMutableBufferPointer { labels in
                                scratch.distances.withUnsafeMutableBufferPointer { distances in
                                    scratch.floatSums.withUnsafeMutableBufferPointer { floatSums in
                                        scratch.wideSums.withUnsafeMutableBufferPointer { wide in
                                            counts.withUnsafeMutableBufferPointer { counts in
                                                guard let c = cols.baseAddress, let w = w.baseAddress, let b = b.baseAddress,
                                                      let center = center.baseAddress, let inverse = inverse.baseAddress,
                                                      let l = labels.baseAddress, let dist = distances.baseAddress,
                                                      let f = floatSums.baseAddress, let s = wide.baseAddress,
                                                      let k = counts.baseAddress else { return }
                                                let d = table.dimension
                                                switch variant {
                                                case .avx512:
                                                    lloydStepAVX512(columns: c, dimension: d, rowCount: n, tileWeights: w, bias: b, tiles: table.tiles,
                                                                    k: table.k, center: center, inverseScale: inverse, labels: l, distances: dist,
                                                                    floatSums: f, sums: s, counts: k)
                                                case .avx2:
                                                    nearestCentroidAVX2(columns: c, dimension: d, rowCount: n, tileWeights: w, bias: b, tiles: table.tiles,
                                                                        center: center, inverseScale: inverse, labels: l, distances: dist)
                                                    accumulate(c, dimension: d, rowCount: n, k: table.k, labels: l, floatSums: f, sums: s, counts: k)
                                                case .portable:
                                                    nearestCentroidPortable(columns: c, dimension: d, rowCount: n, tileWeights: w, bias: b, tiles: table.tiles,
                                                                            center: center, inverseScale: inverse, labels: l, distances: dist)
                                                    accumulate(c, dimension: d, rowCount: n, k: table.k, labels: l, floatSums: f, sums: s, counts: k)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var inertia = 0.0
        scratch.distances.withUnsafeBufferPointer { distances in
            for i in 0..<n { inertia += Double(distances[i]) }
        }
        let d = table.dimension
        var sums = [Double](repeating: 0, count: table.k * d)
        for j in 0..<table.k {
            for c in 0..<d { sums[j * d + c] = scratch.wideSums[j * width + c] }
        }
        return ShardAssignment(sums: sums, counts: counts, inertia: inertia)
    }

    /// Sums and counts from the labels, in the AVX-512 step's order: each sum cell adds its rows in
    /// row order in float, flushed into double after each 1,024 rows (so the bits match).
    static func accumulate(_ columns: UnsafePointer<UnsafePointer<Float>>, dimension d: Int, rowCount n: Int, k: Int,
                           labels: UnsafeMutablePointer<Int32>, floatSums: UnsafeMutablePointer<Float>,
                           sums: UnsafeMutablePointer<Double>, counts: UnsafeMutablePointer<Int64>) {
        let width = (d + 15) / 16 * 16
        floatSums.initialize(repeating: 0, count: k * width)
        for i in 0..<n { counts[Int(labels[i])] += 1 }
        var start = 0
        while start < n {
            let end = min(n, start + 1024)
            for c in 0..<d {
                let values = columns[c]
                for i in start..<end { floatSums[Int(labels[i]) * width + c] += values[i] }
            }
            for i in 0..<(k * width) { sums[i] += Double(floatSums[i]) }
            floatSums.update(repeating: 0, count: k * width)
            start = end
        }
    }

    /// The portable kernel: the same operations in the same order as the SIMD ones (FMA by
    /// `addingProduct`), one point at a time.
    static func nearestCentroidPortable(columns: UnsafePointer<UnsafePointer<Float>>, dimension: Int, rowCount: Int,
                                        tileWeights: UnsafePointer<Float>, bias: UnsafePointer<Float>, tiles: Int,
                                        center: UnsafePointer<Float>, inverseScale: UnsafePointer<Float>,
                                        labels: UnsafeMutablePointer<Int32>, distances: UnsafeMutablePointer<Float>) {
        for i in 0..<rowCount {
            var best = Float.infinity
            var bestIndex: Int32 = 0
            for t in 0..<tiles {
                for lane in 0..<8 {
                    var score = bias[8 * t + lane]
                    for c in 0..<dimension { score = score.addingProduct(columns[c][i], tileWeights[(t * dimension + c) * 8 + lane]) }
                    if (score - best).sign == .minus {  // the SIMD kernels' rule: the sign bit of the difference
                        best = score
                        bestIndex = Int32(8 * t + lane)
                    }
                }
            }
            var norm: Float = 0
            for c in 0..<dimension {
                let z = (-(center[c] * inverseScale[c])).addingProduct(columns[c][i], inverseScale[c])
                norm = norm.addingProduct(z, z)
            }
            let distance = norm + best
            labels[i] = bestIndex
            distances[i] = distance > 0 ? distance : 0
        }
    }

    /// The scalar reference for tests: standardizes each value and takes the squared distance to every
    /// centroid directly, in Double. Returns each row's nearest centroid and squared distance.
    public static func reference(_ shard: FeatureShard, columns: [Int], centroids: [Double], k: Int,
                                 center: [Float], scale: [Float]) -> [(label: Int, distance: Double)] {
        let d = columns.count
        return (0..<shard.rowCount).map { i in
            var best = (label: 0, distance: Double.infinity)
            for j in 0..<k {
                var distance = 0.0
                for (position, column) in columns.enumerated() {
                    let z = (Double(shard.column(column)[i]) - Double(center[position])) / Double(scale[position])
                    let difference = z - centroids[j * d + position]
                    distance += difference * difference
                }
                if distance < best.distance { best = (j, distance) }
            }
            return best
        }
    }
}
