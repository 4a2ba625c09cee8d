import Foundation
import OmnisegCore

/// Why the matcher scores two records as it does: each field's comparison level and its weight
/// (log₂ m/u), the prior's weight, their total and the match probability — a waterfall from the prior
/// to the decision.
public struct MatchExplanation: Sendable {
    /// One field's part.
    public struct Field: Sendable {
        public let name: String
        public let a: String
        public let b: String
        /// The level's index, or nil when a side has no value (no evidence: weight 0).
        public let level: Int?
        public let levelName: String
        public let weight: Double
    }

    /// What the model (or a label) decides for the pair.
    public enum Decision: String, Sendable {
        case link, review, none
        case labelledSame = "labelled same"
        case labelledDifferent = "labelled different"
    }

    public let fields: [Field]
    public let priorWeight: Double
    public let totalWeight: Double
    public let probability: Double
    public let decision: Decision

    /// Explains `a` against `b` under `model` with the given thresholds; `label` (true: same person,
    /// false: different) overrides the model's decision.
    public init(_ a: MatchRecord, _ b: MatchRecord, model: MatchModel, linkThreshold: Double, reviewThreshold: Double, label: Bool? = nil) {
        let pattern = ProbabilisticLinker.compare(a, b, model.frequencies)
        let weights = model.weights(pattern)
        let values = [(a.firstName, b.firstName), (a.lastName, b.lastName), (a.birthText, b.birthText), (a.street, b.street),
                      (a.postcode, b.postcode), (a.city, b.city)]
        fields = model.fields.indices.map { f in
            let level = pattern.level(f)
            let text = f < values.count ? values[f] : ([], [])
            return Field(name: model.fields[f].name, a: String(decoding: text.0, as: UTF8.self), b: String(decoding: text.1, as: UTF8.self),
                         level: level == FieldComparison.missing ? nil : Int(level),
                         levelName: Self.levelName(field: model.fields[f].name, level: level), weight: weights[f])
        }
        priorWeight = model.priorWeight
        totalWeight = priorWeight + weights.reduce(0, +)
        probability = model.probability(pattern)
        switch label {
        case true?: decision = .labelledSame
        case false?: decision = .labelledDifferent
        case nil: decision = probability >= linkThreshold ? .link : probability >= reviewThreshold ? .review : .none
        }
    }

    /// The words for `field`'s `level` (the levels of ``FieldComparison``).
    static func levelName(field: String, level: UInt8) -> String {
        if level == FieldComparison.missing { return "missing (no evidence)" }
        let names: [String]
        let exact = TermFrequencies.classNames.map { "exact, \($0) value" }
        switch field {
        case "first_name":
            names = exact + ["Jaro-Winkler ≥ 0.92 or one edit (or swapped with the last name)", "Jaro-Winkler ≥ 0.88", "same Soundex code or a nickname",
                             "Jaro-Winkler ≥ 0.70", "different"]
        case "last_name":
            names = exact + ["Jaro-Winkler ≥ 0.92 or one edit (or swapped with the first name)", "Jaro-Winkler ≥ 0.88", "same Soundex code",
                             "Jaro-Winkler ≥ 0.70", "different"]
        case "birth_date": names = ["exact", "one part off or day and month swapped", "same year only", "different"]
        case "street": names = ["same words", "half the words shared", "different"]
        default: names = ["equal", "different"]
        }
        return Int(level) < names.count ? names[Int(level)] : "level \(level)"
    }

    /// The waterfall as text: one line per field, then the total, probability and decision.
    public var text: String {
        func signed(_ w: Double) -> String { (w >= 0 ? "+" : "") + Format.fixed(w, 2) }
        let width = max(12, fields.map { max($0.a.count, $0.b.count) }.max() ?? 0) + 2
        let levelWidth = max(8, fields.map(\.levelName.count).max() ?? 0) + 2
        var lines = ["field".rightPadded(12) + "A".rightPadded(width) + "B".rightPadded(width) + "level".rightPadded(levelWidth) + "weight".leftPadded(8)
                         + "running".leftPadded(9),
                     "prior (λ)".rightPadded(12 + 2 * width + levelWidth) + signed(priorWeight).leftPadded(8) + signed(priorWeight).leftPadded(9)]
        var running = priorWeight
        for f in fields {
            running += f.weight
            lines.append(f.name.rightPadded(12) + f.a.rightPadded(width) + f.b.rightPadded(width) + f.levelName.rightPadded(levelWidth)
                         + signed(f.weight).leftPadded(8) + signed(running).leftPadded(9))
        }
        lines.append("total match weight \(signed(totalWeight)) → probability \(Self.probabilityText(probability)) → \(decision.rawValue)")
        return lines.joined(separator: "\n")
    }

    /// A probability with enough digits to tell 0.9999 from 0.99999.
    public static func probabilityText(_ p: Double) -> String {
        p >= 0.999 && p < 1 ? String(format: "%.6f", p) : Format.fixed(p, 4)
    }

    /// The explanation as a JSON object.
    public var json: String {
        let parts = fields.map { f in
            "{\"field\":\(JSONText.quoted(f.name)),\"a\":\(JSONText.quoted(f.a)),\"b\":\(JSONText.quoted(f.b)),"
                + "\"level\":\(f.level.map(String.init) ?? "null"),\"level_name\":\(JSONText.quoted(f.levelName)),\"weight\":\(JSONText.number(f.weight))}"
        }
        return "{\"prior_weight\":\(JSONText.number(priorWeight)),\"fields\":[\(parts.joined(separator: ","))],"
            + "\"total_weight\":\(JSONText.number(totalWeight)),\"probability\":\(JSONText.number(probability)),\"decision\":\(JSONText.quoted(decision.rawValue))}"
    }
}

extension MatchRecord {
    /// The birth date as `YYYY-MM-DD` bytes (empty when missing), for explanations.
    var birthText: [UInt8] {
        guard let d = birthDate else { return [] }
        return Array(String(format: "%04d-%02d-%02d", d.year, d.month, d.day).utf8)
    }
}
