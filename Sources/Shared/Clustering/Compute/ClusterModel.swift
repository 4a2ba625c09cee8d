import Features
import OmnisegCore

/// The state between iterations: phase, transforms and standardization, one track per seeding (its
/// standardized centroids and progress), and the standardized sample (for relocating empty clusters).
struct ClusterModel {
    enum Phase: UInt8 { case lloyd = 1, labelling = 2 }
    struct Track {
        var k: Int
        var centroids: [Double]
        var converged: Bool
        var lastInertia: Double
    }
    var phase: Phase
    var center: [Float]
    var scale: [Float]
    var tracks: [Track]
    var lloydIterations: Int
    var sample: [Double]
    /// With k=auto, once chosen: each k's inertia and silhouette.
    var kCurve: [KCurvePoint]
    /// With PCA: `d × p` (feature c, component q at `c × p + q`) and each component's share of the variance.
    var projection: [Double] = []
    var explained: [Double] = []
    /// Per clustered feature, what is done to it before `center` and `scale` apply (empty: nothing).
    var transforms: [FeatureTransform] = []

    /// The dimension the centroids live in: the features, or the kept components.
    var components: Int { projection.isEmpty ? center.count : explained.count }

    /// The shard in the space the tasks cluster in, and its columns to read: the shard itself when
    /// nothing is transformed or projected; otherwise its transformed (and projected) columns, derived
    /// once per shard and kept beside it for the following iterations (``FeatureShard/derived(key:build:)``).
    func space(of shard: FeatureShard, columns: [Int]) -> (shard: FeatureShard, columns: [Int]) {
        guard !transforms.isEmpty || !projection.isEmpty else { return (shard, columns) }
        var key = WireWriter(capacity: 64 + 16 * columns.count + 8 * projection.count)
        key.count(columns.count)
        for c in columns { key.u32(UInt32(c)) }
        for t in transforms { t.encode(into: &key) }
        for v in center { key.f32(v) }
        for v in scale { key.f32(v) }
        for v in projection { key.f64(v) }
        let derived = shard.derived(key: key.bytes) { () -> FeatureShard in
            var space = shard, spaceColumns = columns
            if !transforms.isEmpty {
                space = FeatureTransform.apply(transforms, to: shard, columns: columns)
                spaceColumns = Array(0..<columns.count)
            }
            return projection.isEmpty ? space : project(space, columns: spaceColumns)
        }
        return (derived, Array(0..<derived.columnCount))
    }

    /// Standardized sample points (`n × d`) in component space (`n × p`).
    func projectSample(_ points: [Double]) -> [Double] {
        let d = center.count, p = components
        let n = points.count / d
        var out = [Double](repeating: 0, count: n * p)
        for i in 0..<n { for q in 0..<p { for c in 0..<d { out[i * p + q] += points[i * d + c] * projection[c * p + q] } } }
        return out
    }

    /// The shard's rows in component space: `p` columns of `((x − center) / scale) · projection`.
    func project(_ shard: FeatureShard, columns: [Int]) -> FeatureShard {
        let d = center.count, p = components
        let out = FeatureShard(rowStart: shard.rowStart, rowCount: shard.rowCount, columnCount: p)
        for q in 0..<p {
            let target = out.mutableColumn(q)
            var offset: Float = 0
            for c in 0..<d {
                // A constant feature (deviation 0) adds nothing, as in the centroid table.
                let weight = scale[c] > 0 ? Float(projection[c * p + q]) / scale[c] : 0
                offset -= weight * center[c]
                let values = shard.column(columns[c])
                for i in 0..<shard.rowCount { target[i] += weight * values[i] }
            }
            for i in 0..<shard.rowCount { target[i] += offset }
        }
        return out
    }

    /// Centroids back in standardized feature space (`k × d`): with PCA, `projection · c`.
    func featureSpace(_ centroids: [Double], k: Int) -> [Double] {
        guard !projection.isEmpty else { return centroids }
        let d = center.count, p = components
        var out = [Double](repeating: 0, count: k * d)
        for j in 0..<k { for c in 0..<d { for q in 0..<p { out[j * d + c] += projection[c * p + q] * centroids[j * p + q] } } }
        return out
    }

    var encoded: [UInt8] {
        var w = WireWriter(capacity: 64 + 8 * (tracks.count * (tracks.first?.centroids.count ?? 0) + sample.count))
        w.u8(phase.rawValue)
        w.count(center.count)
        for v in center { w.f32(v) }
        for v in scale { w.f32(v) }
        w.u32(UInt32(lloydIterations))
        w.count(tracks.count)
        for t in tracks {
            w.count(t.k)
            w.count(t.centroids.count)
            for v in t.centroids { w.f64(v) }
            w.u8(t.converged ? 1 : 0)
            w.f64(t.lastInertia)
        }
        KCurvePoint.encode(kCurve, into: &w)
        w.count(explained.count)
        for v in explained { w.f64(v) }
        for v in projection { w.f64(v) }
        w.count(transforms.count)
        for t in transforms { t.encode(into: &w) }
        // Last, in float: the tasks stop reading before it (only the merge needs it).
        w.count(sample.count)
        for v in sample { w.f32(Float(v)) }
        return w.bytes
    }

    init(phase: Phase, center: [Float], scale: [Float], tracks: [Track], lloydIterations: Int, sample: [Double], kCurve: [KCurvePoint]) {
        self.phase = phase
        self.center = center
        self.scale = scale
        self.tracks = tracks
        self.lloydIterations = lloydIterations
        self.sample = sample
        self.kCurve = kCurve
    }

    /// The largest centroid coordinate a state may hold, in standard deviations.
    static let standardBound = 1e6
    /// The largest mean or standard deviation a state may hold, in the feature's own unit.
    static let rawBound: Float = 1e12

    /// Reads a state; `withSample: false` stops before the sample (what a task needs).
    init(decoding bytes: [UInt8], dimension d: Int, withSample: Bool = true) throws(OmnisegError) {
        var r = WireReader(bytes, what: "cluster state")
        guard let phase = Phase(rawValue: try r.u8()) else { throw r.failure("unknown phase") }
        self.phase = phase
        let n = try r.count(limit: 4096)
        guard n == d else { throw r.failure("it has \(n) features; the job has \(d)") }
        center = []
        scale = []
        for _ in 0..<d { center.append(try r.f32()) }
        for _ in 0..<d { scale.append(try r.f32()) }
        // Bounds that keep every kernel score finite or +∞ in Float (never NaN), so the nearest
        // centroid is always one of the k: far beyond any real feature's mean and deviation.
        guard center.allSatisfy({ abs($0) <= Self.rawBound }),
              scale.allSatisfy({ $0 == 0 || ($0 >= 1 / Self.rawBound && $0 <= Self.rawBound) }) else {
            throw r.failure("its standardization has a value that is not finite or beyond ±\(Self.rawBound)")
        }
        lloydIterations = Int(try r.u32())
        tracks = []
        for _ in 0..<(try r.count(limit: 20 * 64)) {
            let k = try r.count(limit: 256)
            let m = try r.count(limit: 1 << 24)
            guard k > 0, m % k == 0, m / k <= d else { throw r.failure("it has \(m) centroid values for k = \(k) and \(d) features") }
            var centroids: [Double] = []
            for _ in 0..<m { centroids.append(try r.f64()) }
            guard centroids.allSatisfy({ abs($0) <= Self.standardBound }) else {
                throw r.failure("it has a centroid value that is not finite or beyond ±\(Self.standardBound) standard deviations")
            }
            tracks.append(Track(k: k, centroids: centroids, converged: try r.u8() == 1, lastInertia: try r.f64()))
        }
        guard !tracks.isEmpty else { throw r.failure("it has no centroids") }
        kCurve = try KCurvePoint.decode(from: &r)
        let p = try r.count(limit: 4096)
        for _ in 0..<p { explained.append(try r.f64()) }
        for _ in 0..<(p * d) { projection.append(try r.f64()) }
        guard projection.allSatisfy({ abs($0) <= Self.standardBound }) else { throw r.failure("its projection has a value that is not finite or too large") }
        let t = try r.count(limit: 4096)
        guard t == 0 || t == d else { throw r.failure("it has \(t) feature transforms for \(d) features") }
        for _ in 0..<t { transforms.append(try FeatureTransform.decode(from: &r)) }
        // Centroids live in the space the job clusters in: the features, or the principal components.
        let space = p > 0 ? p : d
        for track in tracks where track.centroids.count != track.k * space {
            throw r.failure("it has \(track.centroids.count) centroid values for k = \(track.k) in \(space) dimensions")
        }
        guard phase != .labelling || tracks.count == 1 else { throw r.failure("it labels with \(tracks.count) tracks; labelling keeps one") }
        sample = []
        guard withSample else { return }
        let s = try r.count(limit: 1 << 26)
        guard s * 4 <= r.remaining else { throw r.failure("it lists \(s) sample values in \(r.remaining) bytes") }
        sample.reserveCapacity(s)
        for _ in 0..<s { sample.append(Double(try r.f32())) }
        try r.expectEnd()
    }
}
