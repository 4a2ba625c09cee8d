/// What a `cluster` job found: the clusters (centroids, sizes), the quality and every row's cluster.
public struct ClusterResult: Sendable, Equatable {
    public var featureNames: [String]
    public var center: [Float]
    public var scale: [Float]
    /// `k × d`, standardized (in standard deviations from the mean).
    public var centroids: [Double]
    public var counts: [Int64]
    public var inertia: Double
    public var iterations: Int
    public var converged: Bool
    /// Each row's cluster, in feature-matrix row order.
    public var labels: [UInt16]
    /// `k × d`, the mean raw feature values of each cluster's rows.
    public var rawMeans: [Double]

    public var k: Int { counts.count }
    public var dimension: Int { featureNames.count }

    public var encoded: [UInt8] {
        var w = WireWriter(capacity: 1024 + 2 * labels.count + 16 * centroids.count)
        w.count(featureNames.count)
        for n in featureNames { w.string(n) }
        for v in center { w.f32(v) }
        for v in scale { w.f32(v) }
        w.count(counts.count)
        for v in centroids { w.f64(v) }
        for v in rawMeans { w.f64(v) }
        for c in counts { w.u64(UInt64(c)) }
        w.f64(inertia)
        w.u32(UInt32(iterations))
        w.u8(converged ? 1 : 0)
        w.count(labels.count)
        for l in labels { w.u16(l) }
        return w.bytes
    }

    public init(featureNames: [String], center: [Float], scale: [Float], centroids: [Double], counts: [Int64], inertia: Double,
                iterations: Int, converged: Bool, labels: [UInt16], rawMeans: [Double]) {
        self.featureNames = featureNames
        self.center = center
        self.scale = scale
        self.centroids = centroids
        self.counts = counts
        self.inertia = inertia
        self.iterations = iterations
        self.converged = converged
        self.labels = labels
        self.rawMeans = rawMeans
    }

    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        var r = WireReader(bytes, what: "cluster result")
        let d = try r.count(limit: 4096)
        featureNames = []
        for _ in 0..<d { featureNames.append(try r.string(limit: 1024)) }
        center = []
        scale = []
        for _ in 0..<d { center.append(try r.f32()) }
        for _ in 0..<d { scale.append(try r.f32()) }
        let k = try r.count(limit: 256)
        centroids = []
        rawMeans = []
        for _ in 0..<(k * d) { centroids.append(try r.f64()) }
        for _ in 0..<(k * d) { rawMeans.append(try r.f64()) }
        counts = []
        for _ in 0..<k { counts.append(Int64(try r.u64())) }
        inertia = try r.f64()
        iterations = Int(try r.u32())
        converged = try r.u8() == 1
        let n = try r.count(limit: 1 << 30)
        labels = []
        labels.reserveCapacity(n)
        for _ in 0..<n { labels.append(try r.u16()) }
        try r.expectEnd()
    }

    /// The features that set cluster `j` apart most: the largest centroid values in standard
    /// deviations, with their sign ("monetary +1.8σ").
    public func distinguishing(_ j: Int, count: Int = 3) -> [(name: String, z: Double)] {
        let d = dimension
        var features: [(name: String, z: Double)] = []
        for c in 0..<d { features.append((featureNames[c], centroids[j * d + c])) }
        features.sort { (a: (name: String, z: Double), b: (name: String, z: Double)) -> Bool in
            let x = abs(a.z), y = abs(b.z)
            return x > y || (x == y && a.name < b.name)
        }
        return Array(features.prefix(count))
    }

    public var table: String {
        let total = counts.reduce(0, +)
        let ending = converged ? "converged" : "stopped at max-iter"
        var lines: [String] = [
            "cluster: k = \(k) over \(dimension) features, \(Format.count(Int(total))) rows; "
                + "\(iterations) Lloyd iterations (\(ending)); inertia \(Format.fixed(inertia, 1))",
            "cluster       rows   share  what sets it apart (standard deviations from the mean)",
        ]
        for j in 0..<k {
            let share: Double = total > 0 ? 100 * Double(counts[j]) / Double(total) : 0
            var apart: [String] = []
            for feature in distinguishing(j) {
                let sign = feature.z >= 0 ? "+" : "−"
                apart.append("\(feature.name) \(sign)\(Format.fixed(abs(feature.z), 1))σ")
            }
            let rows = Format.count(Int(counts[j])).leftPadded(10)
            lines.append("\(String(j).leftPadded(7))  \(rows)  \(Format.fixed(share, 1).leftPadded(5))%  \(apart.joined(separator: ", "))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: String {
        let d = dimension
        var clusters: [String] = []
        for j in 0..<k {
            let z: [String] = (0..<d).map { "\(centroids[j * d + $0])" }
            let mean: [String] = (0..<d).map { "\(rawMeans[j * d + $0])" }
            clusters.append(JSONText.object([("cluster", "\(j)"), ("rows", "\(counts[j])"),
                                             ("centroid_z", "[" + z.joined(separator: ",") + "]"),
                                             ("mean", "[" + mean.joined(separator: ",") + "]")]))
        }
        let features: [String] = featureNames.map { JSONText.quoted($0) }
        let pairs: [(String, String)] = [
            ("kind", JSONText.quoted(ClusterJob.name)), ("k", "\(k)"), ("features", "[" + features.joined(separator: ",") + "]"),
            ("rows", "\(labels.count)"), ("inertia", "\(inertia)"), ("iterations", "\(iterations)"),
            ("converged", converged ? "true" : "false"), ("clusters", "[" + clusters.joined(separator: ",") + "]"),
        ]
        return JSONText.object(pairs) + "\n"
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
