import Features
import OmnisegCore

/// How good and how stable a clustering is: per run (seed) the inertia, the share of the variance
/// the clusters explain (against one cluster: the obvious baseline), the mean silhouette on a seeded
/// sample and the smallest cluster's share; across seeds, the mean pairwise adjusted Rand index of
/// the runs' clusters; over time, the adjusted Rand index of the same people's clusters at a later date.
public struct ClusterEvaluation: Sendable, Equatable {
    public struct Run: Sendable, Equatable {
        public var seed: Int
        public var k: Int
        public var inertia: Double
        /// 1 − inertia / total sum of squares in the standardized space (nil with PCA: the inertia is then in component space).
        public var varianceExplained: Double?
        public var silhouette: Double
        public var smallestShare: Double
    }

    public var runs: [Run]
    /// Mean adjusted Rand index over every pair of runs (1 with one run).
    public var stability: Double
    /// Adjusted Rand index of the people in both sets: clusters as of the split against as of the later date.
    public var overTime: Double?
    public var peopleOverTime: Int
    public var sample: Int

    /// At most this many people (seeded) for the silhouette, as `k=auto` samples.
    public static let silhouetteSample = 2_000

    /// Measures `result` (a cluster job's on `matrix`): its sample drawn with `seed`.
    public static func measure(_ result: ClusterResult, seed: Int, matrix: FeatureMatrix) throws(OmnisegError) -> Run {
        let d = result.dimension, n = result.labels.count
        var columns: [Int] = []
        for name in result.featureNames {
            guard let c = matrix.column(named: name) else { throw OmnisegError(.badInput, "feature set \(matrix.setID) has no feature '\(name)' the clusters used") }
            columns.append(c)
        }
        func z(_ row: Int, _ f: Int) -> Double {
            let scale = result.scale[f] != 0 ? Double(result.scale[f]) : 1
            return (Double(result.transform(of: f).apply(matrix.value(row: row, column: columns[f]))) - Double(result.center[f])) / scale
        }
        var explained: Double?
        if result.explainedVariance.isEmpty {
            var sums = [Double](repeating: 0, count: d), squares = [Double](repeating: 0, count: d)
            for i in 0..<n {
                for f in 0..<d {
                    let v = z(i, f)
                    sums[f] += v
                    squares[f] += v * v
                }
            }
            let total = (0..<d).reduce(0.0) { $0 + squares[$1] - sums[$1] * sums[$1] / Double(max(1, n)) }
            explained = total > 0 ? 1 - result.inertia / total : nil
        }
        var rng = SplitMix64(seed: UInt64(seed), stream: 0x7369_6C68, index: 0)
        var rows = Array(0..<n)
        for i in 0..<min(silhouetteSample, n) { rows.swapAt(i, i + rng.below(n - i)) }
        let chosen = rows.prefix(silhouetteSample).sorted()
        let points = chosen.flatMap { row in (0..<d).map { z(row, $0) } }
        let silhouette = chosen.count > 1 ? SampleDistances(points: points, dimension: d).silhouette(centroids: result.centroids, k: result.k) : 0
        let smallest = result.counts.min().map { Double($0) / Double(max(1, n)) } ?? 0
        return Run(seed: seed, k: result.k, inertia: result.inertia, varianceExplained: explained, silhouette: silhouette, smallestShare: smallest)
    }

    /// The evaluation of `runs` (results with their seeds, all on `matrix`), and of `later` (a result on
    /// `laterMatrix`, a later date) against the first run for the people in both.
    public static func evaluate(_ runs: [(seed: Int, result: ClusterResult)], matrix: FeatureMatrix,
                                later: (result: ClusterResult, matrix: FeatureMatrix)?) throws(OmnisegError) -> ClusterEvaluation {
        var measured: [Run] = []
        for run in runs { measured.append(try measure(run.result, seed: run.seed, matrix: matrix)) }
        var overTime: Double?, both = 0
        if let later, let first = runs.first {
            var now: [UInt16] = [], then: [UInt16] = []
            let rowLater = Dictionary(later.matrix.people.ids.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            for (row, id) in matrix.people.ids.enumerated() {
                guard let r = rowLater[id], row < first.result.labels.count, r < later.result.labels.count else { continue }
                then.append(first.result.labels[row])
                now.append(later.result.labels[r])
            }
            both = now.count
            overTime = both > 1 ? AdjustedRandIndex.of(then.map(Int.init), now.map(Int.init)) : nil
        }
        return ClusterEvaluation(runs: measured, stability: AdjustedRandIndex.meanPairwise(runs.map { $0.result.labels.map(Int.init) }) ?? 1,
                                 overTime: overTime, peopleOverTime: both, sample: min(silhouetteSample, matrix.rowCount))
    }
}
