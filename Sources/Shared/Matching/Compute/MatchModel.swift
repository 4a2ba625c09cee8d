import Foundation

/// A comparison pattern: one level per field (``FieldComparison``), packed 4 bits a field (15:
/// missing), up to 16 fields, so patterns can be counted in a table and merged exactly.
public struct ComparisonPattern: Hashable, Comparable, Sendable {
    public let bits: UInt64
    static let missingNibble: UInt64 = 15

    public init(levels: [UInt8]) {
        precondition(levels.count <= 16)
        var bits: UInt64 = 0
        for (f, level) in levels.enumerated() {
            let nibble = level == FieldComparison.missing ? Self.missingNibble : UInt64(min(level, 14))
            bits |= nibble << UInt64(4 * f)
        }
        self.bits = bits
    }

    /// The pattern of the six fields the matcher compares (``ProbabilisticLinker/fields``), without
    /// building an array (this runs once per candidate pair).
    @inline(__always)
    init(_ l0: UInt8, _ l1: UInt8, _ l2: UInt8, _ l3: UInt8, _ l4: UInt8, _ l5: UInt8) {
        @inline(__always) func nibble(_ level: UInt8) -> UInt64 { level == FieldComparison.missing ? Self.missingNibble : UInt64(min(level, 14)) }
        bits = nibble(l0) | nibble(l1) << 4 | nibble(l2) << 8 | nibble(l3) << 12 | nibble(l4) << 16 | nibble(l5) << 20
    }

    /// A pattern from its packed bits; nil when a nibble is past the level counts of `fields` (and not missing).
    package init?(bits: UInt64, fields: [(name: String, levels: Int)]) {
        guard fields.count == 16 || bits >> UInt64(4 * fields.count) == 0 else { return nil }
        for f in fields.indices {
            let nibble = Int((bits >> UInt64(4 * f)) & 15)
            guard nibble == Int(Self.missingNibble) || nibble < fields[f].levels else { return nil }
        }
        self.bits = bits
    }

    /// Field `f`'s level, or ``FieldComparison/missing``.
    @inline(__always)
    public func level(_ f: Int) -> UInt8 {
        let nibble = (bits >> UInt64(4 * f)) & 15
        return nibble == Self.missingNibble ? FieldComparison.missing : UInt8(nibble)
    }

    public static func < (a: ComparisonPattern, b: ComparisonPattern) -> Bool { a.bits < b.bits }
}

/// A Fellegi–Sunter model: per field and level, the probability of that level among true matches
/// (m) and among non-matches (u), and the share of record pairs that match (λ, the prior: over all
/// pairs of records of different people, not only the candidates — u is measured on random pairs, so
/// the prior must be a random pair's too, or the evidence a block already selects on counts twice). A pair's match
/// weight is the log₂ of its likelihood ratio, Σ log₂(m/u) over the fields it has; a missing field
/// adds nothing.
public struct MatchModel: Sendable, Equatable {
    /// Each field's name and number of levels.
    public let fields: [(name: String, levels: Int)]
    public var m: [[Double]]
    public var u: [[Double]]
    public var lambda: Double
    /// How common each name was among the records the model was fitted on (their exact levels' classes).
    public let frequencies: TermFrequencies

    public static func == (a: MatchModel, b: MatchModel) -> Bool {
        a.compares(b.fields) && a.m == b.m && a.u == b.u && a.lambda == b.lambda && a.frequencies == b.frequencies
    }

    /// Whether the model compares exactly `fields`: the same names and numbers of levels, in order
    /// (a stored model, or one a task receives, must compare this build's ``ProbabilisticLinker/fields``).
    public func compares(_ fields: [(name: String, levels: Int)]) -> Bool {
        self.fields.map(\.name) == fields.map(\.name) && self.fields.map(\.levels) == fields.map(\.levels)
    }

    /// Levels of each field never seen get this share of the probability (then renormalised).
    static let floor = 1e-6

    /// A model with `u` and a starting m: most of the matches' mass on each field's first level.
    public init(fields: [(name: String, levels: Int)], u: [[Double]], lambda: Double = 0.1, frequencies: TermFrequencies = TermFrequencies()) {
        self.fields = fields
        self.u = u
        self.lambda = lambda
        self.frequencies = frequencies
        m = fields.map { field in
            (0..<field.levels).map { $0 == 0 ? 0.9 : 0.1 / Double(max(1, field.levels - 1)) }
        }
    }

    /// The log₂ likelihood ratio of `pattern` (without the prior).
    public func weight(_ pattern: ComparisonPattern) -> Double {
        var w = 0.0
        for f in fields.indices {
            let level = pattern.level(f)
            guard level != FieldComparison.missing else { continue }
            w += log2(m[f][Int(level)] / u[f][Int(level)])
        }
        return w
    }

    /// Each field's part of ``weight(_:)`` (0 where the field is missing), for explanations.
    public func weights(_ pattern: ComparisonPattern) -> [Double] {
        fields.indices.map { f in
            let level = pattern.level(f)
            return level == FieldComparison.missing ? 0 : log2(m[f][Int(level)] / u[f][Int(level)])
        }
    }

    /// The prior's weight, log₂(λ / (1 − λ)).
    public var priorWeight: Double { log2(lambda / (1 - lambda)) }

    /// The probability that a pair with `pattern` is a match.
    public func probability(_ pattern: ComparisonPattern) -> Double {
        let odds = exp2(priorWeight + weight(pattern))
        return odds.isInfinite ? 1 : odds / (1 + odds)
    }

    /// Per-field level shares of `counts` (each pattern with its number of pairs), missing levels left
    /// out: how u is estimated from random pairs, which are almost all non-matches.
    public static func levelShares(_ counts: [ComparisonPattern: Int], fields: [(name: String, levels: Int)]) -> [[Double]] {
        var tallies = fields.map { [Double](repeating: 0, count: $0.levels) }
        for (pattern, n) in counts.sorted(by: { $0.key < $1.key }) {
            for f in fields.indices {
                let level = pattern.level(f)
                if level != FieldComparison.missing, Int(level) < fields[f].levels { tallies[f][Int(level)] += Double(n) }
            }
        }
        return tallies.map(normalised)
    }

    /// Estimates m and λ by expectation–maximisation over the candidate pairs' pattern counts, u held
    /// fixed (from random pairs). λ is the matches' share of `population` pairs (the candidates are
    /// among them, the others taken as non-matches; nil: of the candidates). Patterns are visited in a
    /// fixed order, so the same counts give the same model bit for bit, whatever machine or worker
    /// counted them. With `updatingM` false only λ is estimated, m kept as it is.
    public mutating func estimate(_ counts: [ComparisonPattern: Int], population: Double? = nil, updatingM: Bool = true, maxIterations: Int = 200,
                                  tolerance: Double = 1e-9) {
        let patterns = counts.sorted { $0.key < $1.key }
        let total = population ?? patterns.reduce(0.0) { $0 + Double($1.value) }
        guard total > 0 else { return }
        for _ in 0..<maxIterations {
            var matched = 0.0
            var tallies = fields.map { [Double](repeating: 0, count: $0.levels) }
            for (pattern, n) in patterns {
                let g = probability(pattern) * Double(n)
                matched += g
                for f in fields.indices {
                    let level = pattern.level(f)
                    if level != FieldComparison.missing { tallies[f][Int(level)] += g }
                }
            }
            let next = tallies.map(Self.normalised)
            let nextLambda = min(max(matched / total, 1e-15), 1 - 1e-9)
            var change = abs(nextLambda / lambda - 1)  // relative: λ may be 1e-9 or less
            for f in fields.indices { for l in 0..<fields[f].levels { change = max(change, abs(next[f][l] - m[f][l])) } }
            if updatingM { m = next }
            lambda = nextLambda
            if change < tolerance { break }
        }
    }

    /// Shares that sum to 1, with no level at zero (a level never seen keeps a small probability).
    static func normalised(_ tally: [Double]) -> [Double] {
        let total = tally.reduce(0, +)
        let shares = tally.map { total > 0 ? $0 / total : 1 / Double(tally.count) }
        let floored = shares.map { max($0, floor) }
        let sum = floored.reduce(0, +)
        return floored.map { $0 / sum }
    }
}
