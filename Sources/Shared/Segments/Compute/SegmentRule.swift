import Foundation
import OmnisegCore

/// A parsed segment rule: a boolean expression over built-in segments, feature columns and
/// behaviour, e.g. `lifecycle = churned AND rfm IN (champions, loyal) AND share(footwear) >= 0.3`.
public indirect enum SegmentRule: Sendable, Equatable {
    case and(SegmentRule, SegmentRule)
    case or(SegmentRule, SegmentRule)
    case not(SegmentRule)
    /// A field compared with names: `field = a`, `field != a`, `field IN (a, b)`, `field NOT IN (a, b)`.
    case membership(field: String, values: [String], negated: Bool)
    /// A numeric field (a feature column or an RFM score) compared with a number.
    case compare(field: String, comparison: Comparison, value: Double)
    /// `share(department) op x`: the department's share of the person's spend.
    case share(department: String, comparison: Comparison, value: Double)
    /// `viewed(…)`, `carted(…)`, `purchased(…)`: at least `minimum` such interactions (default 1),
    /// optionally only with `department`, only in the last `withinDays` days up to the as-of date, and
    /// only of products that arrived in the last `arrivedDays` days (the latest collection).
    case activity(Activity, department: String?, withinDays: Int?, minimum: Int, arrivedDays: Int? = nil)
    /// `segment(name)`: a saved segment (expanded before evaluation).
    case saved(name: String)

    /// A comparison operator.
    public enum Comparison: String, Sendable, CaseIterable {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="

        /// Whether `a op b`.
        @inline(__always)
        public func holds(_ a: Double, _ b: Double) -> Bool {
            switch self {
            case .equal: return a == b
            case .notEqual: return a != b
            case .less: return a < b
            case .lessOrEqual: return a <= b
            case .greater: return a > b
            case .greaterOrEqual: return a >= b
            }
        }
    }

    /// What a behaviour condition counts.
    public enum Activity: String, Sendable, CaseIterable {
        case viewed, carted, purchased
    }

    /// The names of the saved segments the rule refers to.
    public var savedNames: [String] {
        switch self {
        case .and(let a, let b), .or(let a, let b): return a.savedNames + b.savedNames
        case .not(let a): return a.savedNames
        case .saved(let name): return [name]
        case .membership, .compare, .share, .activity: return []
        }
    }

    /// The rule with every `segment(name)` replaced by the saved rule `lookup(name)` returns (nil: unknown).
    /// A segment that refers to itself, directly or not, is refused.
    public func expanding(_ lookup: (String) throws(OmnisegError) -> SegmentRule?, seen: [String] = []) throws(OmnisegError) -> SegmentRule {
        switch self {
        case .and(let a, let b): return .and(try a.expanding(lookup, seen: seen), try b.expanding(lookup, seen: seen))
        case .or(let a, let b): return .or(try a.expanding(lookup, seen: seen), try b.expanding(lookup, seen: seen))
        case .not(let a): return .not(try a.expanding(lookup, seen: seen))
        case .saved(let name):
            guard !seen.contains(name) else {
                throw OmnisegError(.badInput, "segment '\(name)' refers to itself: \((seen + [name]).joined(separator: " → "))")
            }
            guard let rule = try lookup(name) else { throw OmnisegError(.notFound, "no saved segment is named '\(name)' (see omniseg segment list)") }
            return try rule.expanding(lookup, seen: seen + [name])
        case .membership, .compare, .share, .activity: return self
        }
    }

    /// The rule written back in the language (canonical spacing, names lower-case).
    public var text: String {
        switch self {
        case .and(let a, let b): return "\(a.operand(of: "AND")) AND \(b.operand(of: "AND"))"
        case .or(let a, let b): return "\(a.operand(of: "OR")) OR \(b.operand(of: "OR"))"
        case .not(let a): return "NOT \(a.operand(of: "NOT"))"
        case .membership(let field, let values, let negated):
            if values.count == 1 { return "\(field) \(negated ? "!=" : "=") \(Self.quoted(values[0]))" }
            return "\(field) \(negated ? "NOT IN" : "IN") (\(values.map(Self.quoted).joined(separator: ", ")))"
        case .compare(let field, let comparison, let value): return "\(field) \(comparison.rawValue) \(Self.number(value))"
        case .share(let department, let comparison, let value): return "share(\(Self.quoted(department))) \(comparison.rawValue) \(Self.number(value))"
        case .activity(let activity, let department, let days, let minimum, let arrived):
            var arguments: [String] = []
            if let department { arguments.append("department = \(Self.quoted(department))") }
            if let days { arguments.append("within = \(days)d") }
            if let arrived { arguments.append("arrived = \(arrived)d") }
            if minimum != 1 { arguments.append("count = \(minimum)") }
            return "\(activity.rawValue)(\(arguments.joined(separator: ", ")))"
        case .saved(let name): return "segment(\(Self.quoted(name)))"
        }
    }

    private func operand(of parent: String) -> String {
        switch (self, parent) {
        case (.and, "AND"), (.or, "OR"): return text
        case (.and, _), (.or, _): return "(\(text))"
        default: return text
        }
    }

    private static func quoted(_ name: String) -> String {
        if Double(name) != nil && name.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) { return name }
        return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } && !(name.first?.isNumber ?? true) ? name : "'\(name.replacingOccurrences(of: "'", with: "''"))'"
    }

    private static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
