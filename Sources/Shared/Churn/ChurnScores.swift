/// Risk tiers by churn probability: cut-points ascending; a probability below the first is in
/// tier 0, at or above the last in the top tier.
public struct RiskTiers: Sendable, Equatable {
    public let cutPoints: [Float]

    public static let standard = RiskTiers(validated: [0.3, 0.6])

    private init(validated: [Float]) { cutPoints = validated }

    /// Parses `0.3,0.6`: 1 to 4 ascending probabilities strictly between 0 and 1.
    public init(parsing text: String) throws(OmnisegError) {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var points: [Float] = []
        for p in parts {
            guard let v = Float(p), v > 0, v < 1 else {
                throw OmnisegError(.badInput, "job parameter 'tiers' takes probabilities between 0 and 1 separated by commas, like 0.3,0.6 (got '\(p)')")
            }
            points.append(v)
        }
        guard (1...4).contains(points.count), zip(points, points.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw OmnisegError(.badInput, "job parameter 'tiers' takes 1 to 4 ascending cut-points, like 0.3,0.6 (got '\(text)')")
        }
        cutPoints = points
    }

    public init(cutPoints: [Float]) throws(OmnisegError) {
        try self.init(parsing: cutPoints.map { "\($0)" }.joined(separator: ","))
    }

    /// The tiers' names, lowest risk first.
    public var names: [String] {
        switch cutPoints.count {
        case 1: return ["low", "high"]
        case 2: return ["low", "medium", "high"]
        case 3: return ["low", "medium", "high", "critical"]
        default: return ["very low", "low", "medium", "high", "critical"]
        }
    }

    @inline(__always)
    public func tier(of probability: Float) -> Int {
        var t = 0
        while t < cutPoints.count && probability >= cutPoints[t] { t += 1 }
        return t
    }
}

/// What a `churn-score` job produced: every person's churn probability under one model.
public struct ChurnScores: Sendable, Equatable {
    public var modelID: Int64
    public var tiers: RiskTiers
    /// In feature-matrix row order (row r is person r + 1).
    public var probabilities: [Float]

    public init(modelID: Int64, tiers: RiskTiers, probabilities: [Float]) {
        self.modelID = modelID
        self.tiers = tiers
        self.probabilities = probabilities
    }

    public var encoded: [UInt8] {
        var w = WireWriter(capacity: 64 + 4 * probabilities.count)
        w.i64(modelID)
        w.count(tiers.cutPoints.count)
        for c in tiers.cutPoints { w.f32(c) }
        w.count(probabilities.count)
        w.f32s(probabilities)
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        var r = WireReader(bytes, what: "churn scores")
        modelID = try r.i64()
        var cuts: [Float] = []
        for _ in 0..<(try r.count(limit: 4)) { cuts.append(try r.f32()) }
        tiers = try RiskTiers(cutPoints: cuts)
        probabilities = try r.f32s(try r.count(limit: Int(UInt32.max)))
        try r.expectEnd()
    }

    /// People per tier, lowest risk first.
    public var tierCounts: [Int] {
        var counts = [Int](repeating: 0, count: tiers.cutPoints.count + 1)
        for p in probabilities { counts[tiers.tier(of: p)] += 1 }
        return counts
    }

    public var table: String {
        let n = max(1, probabilities.count)
        let mean = probabilities.reduce(0.0) { $0 + Double($1) } / Double(n)
        var lines = ["churn scores: \(Format.count(probabilities.count)) people, model \(modelID), mean probability \(Format.fixed(mean, 3))",
                     "  tier        from     people    share"]
        let counts = tierCounts
        for (t, name) in tiers.names.enumerated().reversed() {
            let from = t == 0 ? "0" : Format.fixed(Double(tiers.cutPoints[t - 1]), 2)
            lines.append("  " + name.padding(10) + from.leftPadding(6) + Format.count(counts[t]).leftPadding(11)
                         + (Format.fixed(100 * Double(counts[t]) / Double(n), 1) + "%").leftPadding(9))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: String {
        let counts = tierCounts
        return JSONText.object([
            ("model_id", "\(modelID)"), ("people", "\(probabilities.count)"),
            ("tiers", "[" + tiers.names.enumerated().map { t, name in
                JSONText.object([("name", JSONText.quoted(name)),
                                 ("from", t == 0 ? "0" : JSONText.number(Double(tiers.cutPoints[t - 1]))), ("people", "\(counts[t])")])
            }.joined(separator: ",") + "]"),
        ]) + "\n"
    }

    public var csv: String {
        var out = "person_id,probability,tier\n"
        out.reserveCapacity(24 * probabilities.count)
        let names = tiers.names
        for (row, p) in probabilities.enumerated() {
            out += "\(row + 1),\(p),\(names[tiers.tier(of: p)])\n"
        }
        return out
    }
}
