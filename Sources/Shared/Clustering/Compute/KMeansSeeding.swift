import Foundation
import OmnisegCore

/// Points stored row-major in one array (`count × dimension`), as the sample and centroids are.
enum RowMajorPoints {
    /// Squared Euclidean distance between row `i` of `a` and row `j` of `b`, summed in feature order.
    @inline(__always)
    static func squaredDistance(_ a: [Double], _ i: Int, _ b: [Double], _ j: Int, dimension: Int) -> Double {
        var total = 0.0
        for c in 0..<dimension {
            let d = a[i * dimension + c] - b[j * dimension + c]
            total += d * d
        }
        return total
    }
}

/// k-means++ seeding on an in-memory sample (greedy, as scikit-learn does it: at each step
/// `2 + ⌊ln k⌋` candidates drawn in proportion to D², keeping the one that lowers the potential most).
/// Deterministic for a seed.
public enum KMeansSeeding {
    /// `k` initial centroids (row-major `k × dimension`) from `points` (row-major `count × dimension`).
    public static func plusPlus(points: [Double], dimension: Int, k: Int, seed: UInt64) -> [Double] {
        let count = points.count / dimension
        precondition(k >= 1 && count >= k)
        var rng = SplitMix64(seed: seed, stream: 0x6B6D_6561_6E73, index: 0)
        func distance(_ i: Int, toPoint j: Int) -> Double { RowMajorPoints.squaredDistance(points, i, points, j, dimension: dimension) }
        func uniform() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        var chosen = [Int(rng.next() % UInt64(count))]
        var nearest = (0..<count).map { distance($0, toPoint: chosen[0]) }
        let trials = 2 + Int(log(Double(k)))
        while chosen.count < k {
            let potential = nearest.reduce(0, +)
            var best: (index: Int, potential: Double, distances: [Double])?
            for _ in 0..<trials {
                let candidate = potential > 0 ? pick(nearest, at: uniform() * potential) : Int(rng.next() % UInt64(count))
                let distances = (0..<count).map { Swift.min(nearest[$0], distance($0, toPoint: candidate)) }
                let total = distances.reduce(0, +)
                if best == nil || total < best?.potential ?? .infinity { best = (candidate, total, distances) }
            }
            guard let best else { break }
            chosen.append(best.index)
            nearest = best.distances
        }
        return chosen.flatMap { j in (0..<dimension).map { points[j * dimension + $0] } }
    }

    /// The index where the running sum of `weights` first exceeds `target`.
    private static func pick(_ weights: [Double], at target: Double) -> Int {
        var running = 0.0
        for (i, w) in weights.enumerated() {
            running += w
            if running > target { return i }
        }
        return weights.lastIndex(where: { $0 > 0 }) ?? 0
    }
}

/// The adjusted Rand index of two labelings (1 = identical partitions, about 0 = chance).
public enum AdjustedRandIndex {
    public static func of(_ a: [Int], _ b: [Int]) -> Double {
        precondition(a.count == b.count)
        var table: [Int: [Int: Int]] = [:]
        var rows: [Int: Int] = [:]
        var columns: [Int: Int] = [:]
        for (x, y) in zip(a, b) {
            table[x, default: [:]][y, default: 0] += 1
            rows[x, default: 0] += 1
            columns[y, default: 0] += 1
        }
        func pairs(_ n: Int) -> Double { Double(n) * Double(n - 1) / 2 }
        let index = table.values.flatMap(\.values).reduce(0.0) { $0 + pairs($1) }
        let sumRows = rows.values.reduce(0.0) { $0 + pairs($1) }
        let sumColumns = columns.values.reduce(0.0) { $0 + pairs($1) }
        let expected = sumRows * sumColumns / pairs(a.count)
        let maximum = (sumRows + sumColumns) / 2
        return maximum == expected ? 1 : (index - expected) / (maximum - expected)
    }

    /// The mean adjusted Rand index over every pair of `labelings` (how alike several runs' clusters
    /// are); nil with fewer than two.
    public static func meanPairwise(_ labelings: [[Int]]) -> Double? {
        var indices: [Double] = []
        for a in labelings.indices { for b in labelings.indices where b > a { indices.append(of(labelings[a], labelings[b])) } }
        return indices.isEmpty ? nil : indices.reduce(0, +) / Double(indices.count)
    }
}
