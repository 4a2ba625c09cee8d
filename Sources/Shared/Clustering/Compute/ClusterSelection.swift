import Features
import Kernels
import OmnisegCore

/// One k tried by `k=auto`: the inertia of its best seeding (the elbow curve) and the mean
/// silhouette of its clusters on the sample.
public struct KCurvePoint: Sendable, Equatable {
    public var k: Int
    public var inertia: Double
    public var silhouette: Double

    static func encode(_ curve: [KCurvePoint], into w: inout WireWriter) {
        w.count(curve.count)
        for p in curve {
            w.u32(UInt32(p.k))
            w.f64(p.inertia)
            w.f64(p.silhouette)
        }
    }

    static func decode(from r: inout WireReader) throws(OmnisegError) -> [KCurvePoint] {
        var curve: [KCurvePoint] = []
        for _ in 0..<(try r.count(limit: 256)) {
            curve.append(KCurvePoint(k: Int(try r.u32()), inertia: try r.f64(), silhouette: try r.f64()))
        }
        return curve
    }
}

/// Pairwise Euclidean distances of the seeded sample (standardized), computed once with the
/// distance kernels and reused for the silhouette of every k.
struct SampleDistances {
    let count: Int
    let dimension: Int
    let points: [Double]
    private let distances: [Float]

    init(points: [Double], dimension: Int) {
        self.points = points
        self.dimension = dimension
        let count = points.count / dimension
        self.count = count
        let columns = FeatureShard(rowStart: 0, rowCount: count, columnCount: dimension)
        for c in 0..<dimension {
            let out = columns.mutableColumn(c)
            for i in 0..<count { out[i] = Float(points[i * dimension + c]) }
        }
        var distances = [Float](repeating: 0, count: count * count)
        var row = [Float](repeating: 0, count: count)
        for i in 0..<count {
            PairwiseDistances.squared(columns, from: i, into: &row)
            for j in 0..<count { distances[i * count + j] = row[j].squareRoot() }
        }
        self.distances = distances
    }

    /// The mean silhouette of the sample labelled by its nearest centroid: per point
    /// (b − a) / max(a, b), a the mean distance to its own cluster, b to the nearest other one;
    /// 0 for a point alone in its cluster.
    func silhouette(centroids: [Double], k: Int) -> Double {
        guard count > 1, k > 1 else { return 0 }
        let labels = (0..<count).map { i -> Int in
            var best = (label: 0, distance: Double.infinity)
            for j in 0..<k {
                let total = RowMajorPoints.squaredDistance(points, i, centroids, j, dimension: dimension)
                if total < best.distance { best = (j, total) }
            }
            return best.label
        }
        var sizes = [Int](repeating: 0, count: k)
        for l in labels { sizes[l] += 1 }
        var total = 0.0
        var perCluster = [Double](repeating: 0, count: k)
        for i in 0..<count {
            for j in 0..<k { perCluster[j] = 0 }
            for other in 0..<count where other != i { perCluster[labels[other]] += Double(distances[i * count + other]) }
            let own = labels[i]
            guard sizes[own] > 1 else { continue }
            let a = perCluster[own] / Double(sizes[own] - 1)
            var b = Double.infinity
            for j in 0..<k where j != own && sizes[j] > 0 { b = min(b, perCluster[j] / Double(sizes[j])) }
            guard b.isFinite else { continue }
            let denominator = max(a, b)
            total += denominator > 0 ? (b - a) / denominator : 0
        }
        return total / Double(count)
    }
}
