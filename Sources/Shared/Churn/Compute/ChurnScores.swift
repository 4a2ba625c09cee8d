import OmnisegCore

/// Risk tiers by churn probability: cut-points ascending; a probability below the first is in
/// tier 0, at or above the last in the top tier.
public struct RiskTiers: Sendable, Equatable {
    public let cutPoints: [Float]

    public static let standard = RiskTiers(validated: [0.3, 0.6])

    private init(validated: [Float]) { cutPoints = validated }

    /// Tiers at `cutPoints`: 1 to 4 ascending probabilities strictly between 0 and 1.
    public init(cutPoints: [Float]) throws(OmnisegError) {
        if let bad = cutPoints.first(where: { !($0 > 0 && $0 < 1) }) {
            throw OmnisegError(.badInput, "job parameter 'tiers' takes probabilities between 0 and 1 separated by commas, like 0.3,0.6 (got '\(bad)')")
        }
        guard (1...4).contains(cutPoints.count), zip(cutPoints, cutPoints.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw OmnisegError(.badInput, "job parameter 'tiers' takes 1 to 4 ascending cut-points, like 0.3,0.6 "
                               + "(got '\(cutPoints.map { "\($0)" }.joined(separator: ","))')")
        }
        self.cutPoints = cutPoints
    }

    /// Parses `0.3,0.6` (see ``init(cutPoints:)``).
    public init(parsing text: String) throws(OmnisegError) {
        var points: [Float] = []
        for p in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let v = Float(p) else {
                throw OmnisegError(.badInput, "job parameter 'tiers' takes probabilities between 0 and 1 separated by commas, like 0.3,0.6 (got '\(p)')")
            }
            points.append(v)
        }
        try self.init(cutPoints: points)
    }

    func encode(into w: inout WireWriter) {
        w.count(cutPoints.count)
        for c in cutPoints { w.f32(c) }
    }

    static func decode(from r: inout WireReader) throws(OmnisegError) -> RiskTiers {
        var cuts: [Float] = []
        for _ in 0..<(try r.count(limit: 4)) { cuts.append(try r.f32()) }
        return try RiskTiers(cutPoints: cuts)
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
        tiers.encode(into: &w)
        w.count(probabilities.count)
        w.f32s(probabilities)
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        var r = WireReader(bytes, what: "churn scores")
        modelID = try r.i64()
        tiers = try RiskTiers.decode(from: &r)
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
            lines.append("  " + name.rightPadded(10) + from.leftPadded(6) + Format.count(counts[t]).leftPadded(11)
                         + (Format.fixed(100 * Double(counts[t]) / Double(n), 1) + "%").leftPadded(9))
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

    /// `person_id,probability,tier` per row; row r is person `people.id(ofRow: r)`.
    public func csv(people: PersonRows) throws(OmnisegError) -> String {
        try people.check("the scores", covers: probabilities.count)
        var out = "person_id,probability,tier\n"
        out.reserveCapacity(24 * probabilities.count)
        let names = tiers.names
        for (row, p) in probabilities.enumerated() {
            out += "\(people.id(ofRow: row)),\(p),\(names[tiers.tier(of: p)])\n"
        }
        return out
    }
}
