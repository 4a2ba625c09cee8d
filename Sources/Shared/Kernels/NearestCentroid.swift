import KernelsAVX2
import KernelsAVX512

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

/// Buffers an assignment reuses from shard to shard (so the kernel itself allocates nothing).
public struct AssignmentScratch {
    public var labels: [Int32] = []
    public var scores: [Float] = []
    var floatSums: [Float] = []
    var wideSums: [Double] = []
    public init() {}

    mutating func reserve(_ rows: Int, sums: Int) {
        if labels.count < rows {
            labels = [Int32](repeating: 0, count: rows)
            scores = [Float](repeating: 0, count: rows)
        }
        if floatSums.count < sums {
            floatSums = [Float](repeating: 0, count: sums)
            wideSums = [Double](repeating: 0, count: sums)
        }
    }
}

/// Nearest-centroid assignment of a shard's rows, through the kernel variant chosen for this CPU.
public enum NearestCentroid {
    /// Assigns every row of `shard` (features `columns`, in table order) to its nearest centroid.
    /// `scratch.labels[0..<rowCount]` holds the labels afterwards.
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
        if variant == .avx512 { return fusedAVX512(pointers, n: n, width: width, table: table, scratch: &scratch) }
        pointers.withUnsafeBufferPointer { cols in
            table.tileWeights.withUnsafeBufferPointer { w in
                table.bias.withUnsafeBufferPointer { b in
                    scratch.labels.withUnsafeMutableBufferPointer { labels in
                        scratch.scores.withUnsafeMutableBufferPointer { scores in
                            guard let c = cols.baseAddress, let w = w.baseAddress, let b = b.baseAddress,
                                  let l = labels.baseAddress, let s = scores.baseAddress else { return }
                            switch variant {
                            case .avx512:
                                nearestCentroidAVX512(columns: c, dimension: table.dimension, rowCount: n, tileWeights: w, bias: b,
                                                      tiles: table.tiles, labels: l, scores: s)
                            case .avx2:
                                nearestCentroidAVX2(columns: c, dimension: table.dimension, rowCount: n, tileWeights: w, bias: b,
                                                    tiles: table.tiles, labels: l, scores: s)
                            case .portable:
                                nearestCentroidPortable(columns: c, dimension: table.dimension, rowCount: n, tileWeights: w, bias: b,
                                                        tiles: table.tiles, labels: l, scores: s)
                            }
                        }
                    }
                }
            }
        }
        return accumulate(shard, columns: columns, table: table, labels: scratch.labels, scores: scratch.scores)
    }

    /// The AVX-512 Lloyd step: assignment, sums, counts and inertia in one pass over the shard.
    private static func fusedAVX512(_ pointers: [UnsafePointer<Float>], n: Int, width: Int, table: CentroidTable,
                                    scratch: inout AssignmentScratch) -> ShardAssignment {
        let d = table.dimension
        var counts = [Int64](repeating: 0, count: table.k)
        var inertia = 0.0
        scratch.wideSums.withUnsafeMutableBufferPointer { wide in wide.update(repeating: 0) }
        pointers.withUnsafeBufferPointer { cols in
            table.tileWeights.withUnsafeBufferPointer { w in
                table.bias.withUnsafeBufferPointer { b in
                    table.center.withUnsafeBufferPointer { center in
                        table.inverseScale.withUnsafeBufferPointer { inverse in
                            scratch.labels.withUnsafeMutableBufferPointer { labels in
                                scratch.floatSums.withUnsafeMutableBufferPointer { floatSums in
                                    scratch.wideSums.withUnsafeMutableBufferPointer { wide in
                                        counts.withUnsafeMutableBufferPointer { counts in
                                            guard let c = cols.baseAddress, let w = w.baseAddress, let b = b.baseAddress,
                                                  let center = center.baseAddress, let inverse = inverse.baseAddress,
                                                  let l = labels.baseAddress, let f = floatSums.baseAddress, let s = wide.baseAddress,
                                                  let k = counts.baseAddress else { return }
                                            inertia = lloydStepAVX512(columns: c, dimension: d, rowCount: n, tileWeights: w, bias: b,
                                                                      tiles: table.tiles, k: table.k, center: center, inverseScale: inverse,
                                                                      labels: l, floatSums: f, sums: s, counts: k)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        var sums = [Double](repeating: 0, count: table.k * d)
        for j in 0..<table.k {
            for c in 0..<d { sums[j * d + c] = scratch.wideSums[j * width + c] }
        }
        return ShardAssignment(sums: sums, counts: counts, inertia: inertia)
    }

    /// Sums, counts and inertia from the labels and scores, column by column (sequential reads).
    /// Four banks of accumulators, by row index modulo 4, so consecutive rows with the same label do
    /// not wait on each other's add; the banks are summed in a fixed order (deterministic).
    static func accumulate(_ shard: FeatureShard, columns: [Int], table: CentroidTable, labels: [Int32], scores: [Float]) -> ShardAssignment {
        let d = table.dimension
        let k = table.k
        let n = shard.rowCount
        let banks = 4
        var sums = [Double](repeating: 0, count: k * d)
        var counts = [Int64](repeating: 0, count: k)
        var scoreTotal = 0.0
        var squares = 0.0
        withUnsafeTemporaryAllocation(of: Double.self, capacity: banks * k) { bank in
            guard let bank = bank.baseAddress else { return }
            labels.withUnsafeBufferPointer { labels in
                scores.withUnsafeBufferPointer { scores in
                    bank.initialize(repeating: 0, count: banks * k)
                    var i = 0
                    while i < n {
                        bank[(i & 3) * k + Int(labels[i])] += 1
                        scoreTotal += Double(scores[i])
                        i += 1
                    }
                    for j in 0..<k { counts[j] = Int64(bank[j] + bank[k + j] + bank[2 * k + j] + bank[3 * k + j]) }
                    for (position, column) in columns.enumerated() {
                        let values = shard.column(column)
                        let center = table.center[position]
                        let inverse = table.inverseScale[position]
                        bank.update(repeating: 0, count: banks * k)
                        var columnSquares: Float = 0
                        for i in 0..<n {
                            let v = values[i]
                            bank[(i & 3) * k + Int(labels[i])] += Double(v)
                            let z = (v - center) * inverse
                            columnSquares += z * z
                        }
                        for j in 0..<k { sums[j * d + position] = bank[j] + bank[k + j] + bank[2 * k + j] + bank[3 * k + j] }
                        squares += Double(columnSquares)
                    }
                }
            }
        }
        return ShardAssignment(sums: sums, counts: counts, inertia: max(0, squares + scoreTotal))
    }

    /// The portable kernel: the same arithmetic as the SIMD ones (scores from the table), one point at a time.
    static func nearestCentroidPortable(columns: UnsafePointer<UnsafePointer<Float>>, dimension: Int, rowCount: Int,
                                        tileWeights: UnsafePointer<Float>, bias: UnsafePointer<Float>, tiles: Int,
                                        labels: UnsafeMutablePointer<Int32>, scores: UnsafeMutablePointer<Float>) {
        for i in 0..<rowCount {
            var best = Float.infinity
            var bestIndex: Int32 = 0
            for t in 0..<tiles {
                for lane in 0..<8 {
                    var score = bias[8 * t + lane]
                    for c in 0..<dimension { score += columns[c][i] * tileWeights[(t * dimension + c) * 8 + lane] }
                    if score < best {
                        best = score
                        bestIndex = Int32(8 * t + lane)
                    }
                }
            }
            labels[i] = bestIndex
            scores[i] = best
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
