import OmnisegCore

/// What a `cluster` job found: the clusters (centroids, sizes), the quality and every row's cluster.
public struct ClusterResult: Sendable, Equatable {
    public var featureNames: [String]
    /// Per feature, what was done to it before standardizing (empty: nothing).
    public var transforms: [FeatureTransform]
    /// How the (transformed) features were standardized.
    public var scaling: FeatureScaling
    /// Per feature, the center and scale of the standardization, in the transformed unit.
    public var center: [Float]
    public var scale: [Float]
    /// `k × d`, standardized (transformed, then in scale units from the center).
    public var centroids: [Double]
    public var counts: [Int64]
    public var inertia: Double
    public var iterations: Int
    public var converged: Bool
    /// Each row's cluster, in feature-matrix row order.
    public var labels: [UInt16]
    /// Every feature of the set (the profile covers all of them, not only the clustered ones).
    public var profileNames: [String]
    /// `k × profileNames.count`: each cluster's mean raw value of every feature.
    public var profileMeans: [Double]
    /// `k × 4`: people per cluster who buy in store only, online only, both, or not at all.
    public var channels: [Int64]

    /// With `k=auto`: every k tried, with its inertia and silhouette (empty for a fixed k).
    public var kCurve: [KCurvePoint]
    /// With `pca`: each kept component's share of the variance (empty without PCA). The centroids
    /// above are then the component-space centroids mapped back to the standardized features.
    public var explainedVariance: [Double]

    public static let channelNames = ["store only", "online only", "both", "no purchase"]

    public var k: Int { counts.count }

    /// What was done to feature `c` before standardizing.
    public func transform(of c: Int) -> FeatureTransform { transforms.isEmpty ? .identity : transforms[c] }
    public var dimension: Int { featureNames.count }

    public var encoded: [UInt8] {
        var w = WireWriter(capacity: 1024 + 2 * labels.count + 16 * centroids.count)
        w.count(featureNames.count)
        for n in featureNames { w.string(n) }
        w.count(transforms.count)
        for t in transforms { t.encode(into: &w) }
        w.u8(scaling == .robust ? 1 : 0)
        for v in center { w.f32(v) }
        for v in scale { w.f32(v) }
        w.count(counts.count)
        for v in centroids { w.f64(v) }
        for c in counts { w.u64(UInt64(c)) }
        w.count(profileNames.count)
        for n in profileNames { w.string(n) }
        for v in profileMeans { w.f64(v) }
        for v in channels { w.u64(UInt64(v)) }
        KCurvePoint.encode(kCurve, into: &w)
        w.count(explainedVariance.count)
        for v in explainedVariance { w.f64(v) }
        w.f64(inertia)
        w.u32(UInt32(iterations))
        w.u8(converged ? 1 : 0)
        w.count(labels.count)
        for l in labels { w.u16(l) }
        return w.bytes
    }

    public init(featureNames: [String], transforms: [FeatureTransform] = [], scaling: FeatureScaling = .standard, center: [Float], scale: [Float], centroids: [Double], counts: [Int64], inertia: Double,
                iterations: Int, converged: Bool, labels: [UInt16], profileNames: [String], profileMeans: [Double], channels: [Int64],
                kCurve: [KCurvePoint] = [], explainedVariance: [Double] = []) {
        self.featureNames = featureNames
        self.transforms = transforms
        self.scaling = scaling
        self.center = center
        self.scale = scale
        self.centroids = centroids
        self.counts = counts
        self.inertia = inertia
        self.iterations = iterations
        self.converged = converged
        self.labels = labels
        self.profileNames = profileNames
        self.profileMeans = profileMeans
        self.channels = channels
        self.kCurve = kCurve
        self.explainedVariance = explainedVariance
    }

    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        var r = WireReader(bytes, what: "cluster result")
        let d = try r.count(limit: 4096)
        featureNames = []
        for _ in 0..<d { featureNames.append(try r.string(limit: 1024)) }
        let t = try r.count(limit: 4096)
        guard t == 0 || t == d else { throw r.failure("it has \(t) feature transforms for \(d) features") }
        transforms = []
        for _ in 0..<t { transforms.append(try FeatureTransform.decode(from: &r)) }
        switch try r.u8() {
        case 0: scaling = .standard
        case 1: scaling = .robust
        case let other: throw r.failure("scaling \(other) is neither 0 (standard) nor 1 (robust)")
        }
        center = []
        scale = []
        for _ in 0..<d { center.append(try r.f32()) }
        for _ in 0..<d { scale.append(try r.f32()) }
        let k = try r.count(limit: 256)
        centroids = []
        for _ in 0..<(k * d) { centroids.append(try r.f64()) }
        counts = []
        for _ in 0..<k { counts.append(Int64(try r.tally())) }
        let all = try r.count(limit: 4096)
        profileNames = []
        for _ in 0..<all { profileNames.append(try r.string(limit: 1024)) }
        profileMeans = []
        for _ in 0..<(k * all) { profileMeans.append(try r.f64()) }
        channels = []
        for _ in 0..<(k * Self.channelNames.count) { channels.append(Int64(try r.tally())) }
        kCurve = try KCurvePoint.decode(from: &r)
        explainedVariance = []
        for _ in 0..<(try r.count(limit: 4096)) { explainedVariance.append(try r.f64()) }
        inertia = try r.f64()
        iterations = Int(try r.u32())
        converged = try r.u8() == 1
        let n = try r.count(limit: 1 << 30)
        guard n * 2 <= r.remaining else { throw r.failure("it lists \(n) labels in \(r.remaining) bytes") }
        labels = []
        labels.reserveCapacity(n)
        for _ in 0..<n {
            let label = try r.u16()
            guard Int(label) < k else { throw r.failure("a person's cluster \(label) is not below k = \(k)") }
            labels.append(label)
        }
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
        let profiles = ClusterProfiles(self)
        var lines: [String] = [
            "cluster: k = \(k) over \(dimension) features, \(Format.count(Int(total))) people; "
                + "\(iterations) Lloyd iterations (\(ending)); inertia \(Format.fixed(inertia, 1))",
            "",
            "cluster    people  share  revenue  recency  orders  spend    store/online/both  label",
        ]
        for j in 0..<k {
            let p = profiles.clusters[j]
            let mix = "\(percent(p.channelShares[0]))/\(percent(p.channelShares[1]))/\(percent(p.channelShares[2]))"
            let columns: [String] = [
                String(j).leftPadded(7), Format.count(Int(counts[j])).leftPadded(9), (percent(p.share) + "%").leftPadded(6),
                (percent(p.revenueShare) + "%").leftPadded(8), p.recency.map { Format.fixed($0, 0) + "d" }?.leftPadded(8) ?? "       —",
                p.frequency.map { Format.fixed($0, 1) }?.leftPadded(7) ?? "      —", p.monetary.map { Format.fixed($0, 0) }?.leftPadded(6) ?? "     —",
                mix.leftPadded(19), p.label,
            ]
            lines.append(columns.joined(separator: " "))
        }
        lines.insert(transformLine, at: 1)
        if !explainedVariance.isEmpty {
            let shares = explainedVariance.map { Format.fixed(100 * $0, 1) + "%" }.joined(separator: ", ")
            lines.insert("PCA: \(explainedVariance.count) components explain \(Format.fixed(100 * explainedVariance.reduce(0, +), 1))% "
                         + "of the variance (\(shares)); clustered in component space", at: 2)
        }
        if !kCurve.isEmpty {
            lines.append("")
            lines.append("k chosen by silhouette (on the seeded sample) among those whose smallest cluster is large enough and whose seedings agree "
                         + "(stability ≥ \(Format.fixed(KCurvePoint.stableEnough, 2))); inertia for the elbow:")
            lines.append("      k     inertia  silhouette  smallest cluster  stability")
            for p in kCurve {
                let mark = p.k == k ? "  ← chosen" : ""
                lines.append("\(String(p.k).leftPadded(7))  \(Format.fixed(p.inertia, 0).leftPadded(10))  \(Format.fixed(p.silhouette, 3).leftPadded(10))"
                             + "  \((Format.fixed(100 * p.smallestShare, 1) + "%").leftPadded(16))  \((p.stability.map { Format.fixed($0, 3) } ?? "—").leftPadded(9))\(mark)")
            }
        }
        lines.append("")
        lines.append("what sets each cluster apart — its name, then the features farthest from the mean (in standard deviations of the "
                     + "transformed features) and the departments it over-buys (by lift):")
        for j in 0..<k {
            var apart: [String] = []
            for feature in distinguishing(j) {
                let sign = feature.z >= 0 ? "+" : "−"
                apart.append("\(feature.name) \(sign)\(Format.fixed(abs(feature.z), 1))σ")
            }
            let departments = profiles.clusters[j].topDepartments.map { "\($0.name) ×\(Format.fixed($0.lift, 1))" }
            lines.append("\(String(j).leftPadded(7))  \(profiles.clusters[j].name): \(apart.joined(separator: ", "))"
                         + (departments.isEmpty ? "" : "; " + departments.joined(separator: ", ")))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func percent(_ share: Double) -> String { Format.fixed(100 * share, 0) }

    /// "features: log1p on 12 of 31 (frequency, monetary, …), 25 clipped; standardized by mean and standard deviation".
    var transformLine: String {
        let logged = transforms.indices.filter { transforms[$0].log }.map { featureNames[$0] }
        let clipped = transforms.filter { $0.low.isFinite || $0.high.isFinite }.count
        var parts: [String] = []
        if !logged.isEmpty {
            let named = logged.prefix(4).joined(separator: ", ") + (logged.count > 4 ? ", …" : "")
            parts.append("log1p on \(logged.count) of \(dimension) (\(named))")
        }
        if clipped > 0 { parts.append("\(clipped) clipped at sample percentiles") }
        if parts.isEmpty { parts.append("as they are") }
        let scaled = scaling == .robust ? "median and interquartile range" : "mean and standard deviation"
        return "features: " + parts.joined(separator: ", ") + "; standardized by \(scaled) (each feature's transform in --json)"
    }

    public var json: String {
        let d = dimension
        let profiles = ClusterProfiles(self)
        var clusters: [String] = []
        for j in 0..<k {
            let z: [String] = (0..<d).map { "\(centroids[j * d + $0])" }
            let all = profileNames.count
            let means: [String] = (0..<all).map { JSONText.quoted(profileNames[$0]) + ":\(profileMeans[j * all + $0])" }
            let channels: [String] = Self.channelNames.indices.map { JSONText.quoted(Self.channelNames[$0]) + ":\(self.channels[j * Self.channelNames.count + $0])" }
            let p = profiles.clusters[j]
            clusters.append(JSONText.object([
                ("cluster", "\(j)"), ("name", JSONText.quoted(p.name)), ("label", JSONText.quoted(p.label)), ("people", "\(counts[j])"), ("share", "\(p.share)"),
                ("revenue_share", "\(p.revenueShare)"), ("centroid_z", "[" + z.joined(separator: ",") + "]"),
                ("means", "{" + means.joined(separator: ",") + "}"), ("channels", "{" + channels.joined(separator: ",") + "}"),
                ("top_departments", "[" + p.topDepartments.map { JSONText.quoted($0.name) }.joined(separator: ",") + "]"),
            ]))
        }
        let features: [String] = featureNames.map { JSONText.quoted($0) }
        let standardization: [String] = (0..<d).map { c in
            let t = transform(of: c)
            func bound(_ v: Float) -> String { v.isFinite ? "\(v)" : "null" }
            return JSONText.object([("feature", JSONText.quoted(featureNames[c])), ("log1p", t.log ? "true" : "false"),
                                    ("clip_low", bound(t.low)), ("clip_high", bound(t.high)), ("center", "\(center[c])"), ("scale", "\(scale[c])")])
        }
        let pairs: [(String, String)] = [
            ("kind", JSONText.quoted(ClusterJob.name)), ("k", "\(k)"), ("features", "[" + features.joined(separator: ",") + "]"),
            ("scaling", JSONText.quoted(scaling.rawValue)), ("standardization", "[" + standardization.joined(separator: ",") + "]"),
            ("people", "\(labels.count)"), ("inertia", "\(inertia)"), ("iterations", "\(iterations)"),
            ("converged", converged ? "true" : "false"), ("clusters", "[" + clusters.joined(separator: ",") + "]"),
            ("explained_variance", "[" + explainedVariance.map { "\($0)" }.joined(separator: ",") + "]"),
            ("k_curve", "[" + kCurve.map { JSONText.object([("k", "\($0.k)"), ("inertia", "\($0.inertia)"), ("silhouette", "\($0.silhouette)"),
                                                             ("smallest_share", "\($0.smallestShare)"),
                                                             ("stability", $0.stability.map { "\($0)" } ?? "null")]) }
                .joined(separator: ",") + "]"),
        ]
        return JSONText.object(pairs) + "\n"
    }

    /// Every person's cluster as CSV: `person_id,cluster,label,name` (feature row r is person `people.id(ofRow: r)`).
    public func csv(people: PersonRows) throws(OmnisegError) -> String {
        try people.check("the clustering", covers: labels.count)
        let clusters = ClusterProfiles(self).clusters
        let described = clusters.map { CSVField.escape($0.label) + "," + CSVField.escape($0.name) }
        var out = "person_id,cluster,label,name\n"
        out.reserveCapacity(labels.count * 64)
        for (row, label) in labels.enumerated() {
            out += "\(people.id(ofRow: row)),\(label),\(described[Int(label)])\n"
        }
        return out
    }
}
