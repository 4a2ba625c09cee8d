import Features
import Kernels
import OmnisegCore

/// One k tried by `k=auto`: the inertia of its best seeding (the elbow curve), the mean silhouette
/// of its clusters on the sample, and how alike its seedings' clusters are.
public struct KCurvePoint: Sendable, Equatable {
    public var k: Int
    public var inertia: Double
    public var silhouette: Double
    /// The smallest cluster's share of the sample (a k below `min-share` is refused).
    public var smallestShare: Double
    /// The mean adjusted Rand index between the clusters of the k's seedings (`n-init`) on the sample;
    /// nil with one seeding.
    public var stability: Double?

    public init(k: Int, inertia: Double, silhouette: Double, smallestShare: Double, stability: Double? = nil) {
        self.k = k
        self.inertia = inertia
        self.silhouette = silhouette
        self.smallestShare = smallestShare
        self.stability = stability
    }

    /// The stability a k needs to be preferred: its seedings agree on most of the sample.
    public static let stableEnough = 0.8

    static func encode(_ curve: [KCurvePoint], into w: inout WireWriter) {
        w.count(curve.count)
        for p in curve {
            w.u32(UInt32(p.k))
            w.f64(p.inertia)
            w.f64(p.silhouette)
            w.f64(p.smallestShare)
            w.f64(p.stability ?? -1)
        }
    }

    static func decode(from r: inout WireReader) throws(OmnisegError) -> [KCurvePoint] {
        var curve: [KCurvePoint] = []
        for _ in 0..<(try r.count(limit: 256)) {
            var point = KCurvePoint(k: Int(try r.u32()), inertia: try r.f64(), silhouette: try r.f64(), smallestShare: try r.f64())
            let stability = try r.f64()
            point.stability = stability >= -0.5 ? stability : nil
            curve.append(point)
        }
        return curve
    }

    /// The index of the point `k=auto` keeps: the best silhouette of those whose smallest cluster holds
    /// at least `minShare` and whose seedings agree (stability at least ``stableEnough``, when measured);
    /// of those with large enough clusters when none is that stable; when no k has large enough clusters,
    /// the one whose smallest cluster is largest (the first of equals).
    static func chosen(_ curve: [KCurvePoint], minShare: Double) -> Int {
        let large = curve.indices.filter { curve[$0].smallestShare >= minShare }
        let stable = large.filter { (curve[$0].stability ?? 1) >= stableEnough }
        let allowed = stable.isEmpty ? large : stable
        guard var best = allowed.first else {
            return curve.indices.reduce(0) { curve[$1].smallestShare > curve[$0].smallestShare ? $1 : $0 }
        }
        for i in allowed where curve[i].silhouette > curve[best].silhouette { best = i }
        return best
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
        silhouette(labels: nearest(centroids: centroids, k: k), k: k)
    }

    /// The smallest cluster's share of the sample labelled by its nearest centroid.
    func smallestShare(labels: [Int], k: Int) -> Double {
        guard count > 0 else { return 0 }
        var sizes = [Int](repeating: 0, count: k)
        for l in labels { sizes[l] += 1 }
        return Double(sizes.min() ?? 0) / Double(count)
    }

    /// Each sample point's nearest centroid.
    func nearest(centroids: [Double], k: Int) -> [Int] {
        (0..<count).map { i -> Int in
            var best = (label: 0, distance: Double.infinity)
            for j in 0..<k {
                let total = RowMajorPoints.squaredDistance(points, i, centroids, j, dimension: dimension)
                if total < best.distance { best = (j, total) }
            }
            return best.label
        }
    }

    /// The mean silhouette of the sample under `labels`.
    func silhouette(labels: [Int], k: Int) -> Double {
        guard count > 1, k > 1 else { return 0 }
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
