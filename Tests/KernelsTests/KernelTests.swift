@testable import Features
@testable import Kernels
@testable import OmnisegCore
@testable import TestSupport
import Testing

/// The nearest-centroid kernels (every variant this CPU runs) against the scalar reference.
@Suite struct NearestCentroidKernelTests {
    private struct Case {
        let shard: FeatureShard
        let columns: [Int]
        let centroids: [Double]
        let k: Int
        let center: [Float]
        let scale: [Float]
    }

    private func makeCase(rows: Int, columnCount: Int, columns: [Int], k: Int, seed: UInt64) -> Case {
        var rng = SplitMix64(seed: seed)
        func uniform() -> Double { Double(rng.next() % 1_000_000) / 1_000_000 }
        let shard = FeatureShard(rowStart: 0, rowCount: rows, columnCount: columnCount)
        for c in 0..<columnCount {
            let out = shard.mutableColumn(c)
            for i in 0..<rows { out[i] = Float(uniform() * 50 * Double(c + 1) - 10) }
        }
        let d = columns.count
        let center = (0..<d).map { Float(10 * $0) + 3 }
        let scale = (0..<d).map { Float(5 + 7 * $0) }
        let centroids = (0..<(k * d)).map { _ in uniform() * 6 - 2 }
        return Case(shard: shard, columns: columns, centroids: centroids, k: k, center: center, scale: scale)
    }

    @Test(arguments: [(rows: 1000, columnCount: 5, columns: [0, 1, 2, 3, 4], k: 3),
                      (rows: 4096, columnCount: 16, columns: Array(0..<16), k: 16),
                      (rows: 333, columnCount: 20, columns: [19, 2, 7, 11, 0, 3, 5, 8, 13, 17, 1, 4, 6, 9, 10, 12, 14, 15, 16], k: 21),
                      (rows: 17, columnCount: 2, columns: [1, 0], k: 8)])
    func everyVariantAgreesWithTheScalarReference(shape: (rows: Int, columnCount: Int, columns: [Int], k: Int)) {
        let t = makeCase(rows: shape.rows, columnCount: shape.columnCount, columns: shape.columns, k: shape.k, seed: UInt64(shape.rows))
        let reference = NearestCentroid.reference(t.shard, columns: t.columns, centroids: t.centroids, k: t.k, center: t.center, scale: t.scale)
        let table = CentroidTable(centroids: t.centroids, k: t.k, center: t.center, scale: t.scale)
        let referenceInertia = reference.reduce(0) { $0 + $1.distance }
        for variant in KernelVariant.supportedHere {
            var scratch = AssignmentScratch()
            let result = NearestCentroid.assign(t.shard, columns: t.columns, table: table, variant: variant, scratch: &scratch)
            var disagreements = 0
            for i in 0..<t.shard.rowCount where Int(scratch.labels[i]) != reference[i].label {
                // Allowed only at a near-tie: the two centroids are (almost) equally far.
                let chosen = distance(t, row: i, centroid: Int(scratch.labels[i]))
                if abs(chosen - reference[i].distance) > 1e-4 * max(1, reference[i].distance) { disagreements += 1 }
            }
            #expect(disagreements == 0, "\(variant): \(disagreements) rows assigned to a clearly farther centroid")
            #expect(abs(result.inertia - referenceInertia) <= 1e-4 * referenceInertia, "\(variant): inertia \(result.inertia) vs \(referenceInertia)")
            #expect(result.counts.reduce(0, +) == Int64(t.shard.rowCount))
            // Sums: exactly the raw values of the rows with each label.
            var sums = [Double](repeating: 0, count: t.k * t.columns.count)
            for i in 0..<t.shard.rowCount {
                for (p, c) in t.columns.enumerated() { sums[Int(scratch.labels[i]) * t.columns.count + p] += Double(t.shard.column(c)[i]) }
            }
            // Sums add in float for up to 1,024 rows, then in double (every variant, for identical bits).
            let tolerance = 1e-5
            for (a, b) in zip(result.sums, sums) { #expect(abs(a - b) <= tolerance * max(1, abs(b)), "\(variant): sum \(a) vs \(b)") }
        }
    }

    @Test(arguments: [(rows: 5000, columns: 16, k: 16), (rows: 2077, columns: 30, k: 9), (rows: 70, columns: 3, k: 2)])
    func everyVariantGivesTheSameBits(shape: (rows: Int, columns: Int, k: Int)) {
        // Workers on different CPUs run different variants: their partials must be identical.
        let t = makeCase(rows: shape.rows, columnCount: shape.columns, columns: Array(0..<shape.columns), k: shape.k, seed: 99)
        let table = CentroidTable(centroids: t.centroids, k: t.k, center: t.center, scale: t.scale)
        var results: [(ShardAssignment, [Int32])] = []
        for variant in KernelVariant.supportedHere {
            var scratch = AssignmentScratch()
            let result = NearestCentroid.assign(t.shard, columns: t.columns, table: table, variant: variant, scratch: &scratch)
            results.append((result, Array(scratch.labels[0..<t.shard.rowCount])))
        }
        for (variant, r) in zip(KernelVariant.supportedHere, results).dropFirst() {
            #expect(r.1 == results[0].1, "\(variant): labels differ from \(KernelVariant.supportedHere[0])")
            #expect(r.0 == results[0].0, "\(variant): sums, counts or inertia differ from \(KernelVariant.supportedHere[0])")
        }
        #expect(KernelVariant.supportedHere.last == .portable)
    }

    private func distance(_ t: Case, row i: Int, centroid j: Int) -> Double {
        var total = 0.0
        for (p, c) in t.columns.enumerated() {
            let z = (Double(t.shard.column(c)[i]) - Double(t.center[p])) / Double(t.scale[p])
            let difference = z - t.centroids[j * t.columns.count + p]
            total += difference * difference
        }
        return total
    }
}

@Suite struct PairwiseDistanceKernelTests {
    @Test(arguments: [(count: 37, dimension: 3), (count: 64, dimension: 30), (count: 5, dimension: 1)])
    func everyVariantMatchesTheDirectDistances(shape: (count: Int, dimension: Int)) {
        var rng = SplitMix64(seed: UInt64(shape.count))
        let points = FeatureShard(rowStart: 0, rowCount: shape.count, columnCount: shape.dimension)
        for c in 0..<shape.dimension {
            let out = points.mutableColumn(c)
            for i in 0..<shape.count { out[i] = Float(rng.next() % 10_000) / 1000 - 5 }
        }
        for variant in KernelVariant.supportedHere {
            var row: [Float] = []
            for from in [0, shape.count / 2, shape.count - 1] {
                PairwiseDistances.squared(points, from: from, variant: variant, into: &row)
                for j in 0..<shape.count {
                    var expected = 0.0
                    for c in 0..<shape.dimension {
                        let d = Double(points.column(c)[j]) - Double(points.column(c)[from])
                        expected += d * d
                    }
                    #expect(abs(Double(row[j]) - expected) <= 1e-5 * max(1, expected), "\(variant) \(from)→\(j): \(row[j]) vs \(expected)")
                }
                #expect(row[from] == 0)
            }
        }
    }
}
