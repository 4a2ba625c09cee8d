import OmnisegCore

/// How common each first and last name is, so that agreeing on "Smith" counts for less than agreeing
/// on a rare name (term-frequency adjustment).
///
/// An exact name agreement is split into four levels by the value's share of the people (as the exact
/// keys joined them) who have that field: rare (under 1 in 10,000), uncommon (from 1 in 10,000),
/// common (from 1 in 1,000) and very common (from 1 in 100). u of each of those levels is worked out
/// exactly — the chance that two different people agree on a value of that class, Σ share² over its
/// values — and m is estimated by EM like any level. The table is fitted with the model and kept with
/// it, so a later incremental resolve classifies names as the fit did; a name the table does not
/// list is rare.
public struct TermFrequencies: Sendable, Equatable {
    /// The fields (by ``ProbabilisticLinker/fields`` index) the adjustment applies to: first and last name.
    public static let fields = [0, 1]
    /// The lowest share of each class above rare.
    public static let bounds: [Double] = [1e-4, 1e-3, 1e-2]
    /// Classes of values: rare, uncommon, common, very common.
    public static let classes = bounds.count + 1
    /// Words for each class, for explanations.
    public static let classNames = ["rare", "uncommon (≥ 1 in 10,000)", "common (≥ 1 in 1,000)", "very common (≥ 1 in 100)"]

    /// Per adjusted field, each value above rare by its key (``MatchRecord/key(_:)``) and its class.
    package private(set) var classOf: [[UInt64: UInt8]]
    /// Per adjusted field and class, the chance that two different people agree on a value of that class.
    package private(set) var agreement: [[Double]]

    /// No table: every name is rare and no u is adjusted (a model of an older build).
    public init() {
        classOf = Self.fields.map { _ in [:] }
        agreement = Self.fields.map { _ in [] }
    }

    package init(classOf: [[UInt64: UInt8]], agreement: [[Double]]) {
        self.classOf = classOf
        self.agreement = agreement
    }

    /// The table of `records`, each value counted once per person (`people[i]` is record i's person).
    public init(records: [MatchRecord], people: [Int]) {
        classOf = []
        agreement = []
        for f in Self.fields {
            var seen = Set<PersonValue>()
            var counts: [UInt64: Int] = [:]
            for (i, r) in records.enumerated() {
                let key = r.nameKey(f)
                guard key != 0, seen.insert(PersonValue(person: people[i], key: key)).inserted else { continue }
                counts[key, default: 0] += 1
            }
            let total = Double(counts.values.reduce(0, +))
            var classes: [UInt64: UInt8] = [:]
            var agree = [Double](repeating: 0, count: Self.classes)
            for (key, n) in counts {
                let share = Double(n) / total
                let c = Self.bounds.lastIndex { share >= $0 }.map { $0 + 1 } ?? 0
                if c > 0 { classes[key] = UInt8(c) }
                // Two different people: n (n − 1) ordered pairs of the value among total (total − 1).
                agree[c] += Double(n) * Double(n - 1)
            }
            classOf.append(classes)
            agreement.append(agree.map { total > 1 ? $0 / (total * (total - 1)) : 0 })
        }
    }

    private struct PersonValue: Hashable {
        let person: Int
        let key: UInt64
    }

    var isEmpty: Bool { agreement.allSatisfy(\.isEmpty) }

    /// The class of the value with `key` of adjusted field `f` (0: first name, 1: last name); rare
    /// when the table does not list it.
    func classOf(_ f: Int, key: UInt64) -> UInt8 { classOf[f][key] ?? 0 }

    /// A name's level from its similarity level (``FieldComparison/name(_:_:)``) and the class of its
    /// value: the class for an exact agreement, the similarity level moved past the classes otherwise.
    @inline(__always)
    static func level(similarity: UInt8, class: UInt8) -> UInt8 {
        if similarity == FieldComparison.missing { return similarity }
        return similarity > 0 ? similarity + UInt8(classes - 1) : `class`
    }

    /// `u` with each adjusted field's exact levels set to their agreement chances and the other levels
    /// scaled to the rest (u of the other levels comes from random pairs). No change without a table.
    func adjusted(_ u: [[Double]]) -> [[Double]] {
        guard !isEmpty else { return u }
        var u = u
        for (t, f) in Self.fields.enumerated() {
            let exact = agreement[t].map { max($0, MatchModel.floor) }
            let sampledRest = u[f][Self.classes...].reduce(0, +)
            let rest = max(1 - exact.reduce(0, +), MatchModel.floor)
            u[f] = exact + u[f][Self.classes...].map { sampledRest > 0 ? $0 / sampledRest * rest : rest / Double(u[f].count - Self.classes) }
        }
        return u
    }
}

extension TermFrequencies {
    /// Appends the table: per field, its classed values (ascending keys) and its agreement chances.
    func encode(into writer: inout WireWriter) {
        for t in Self.fields.indices {
            let entries = classOf[t].sorted { $0.key < $1.key }
            writer.count(entries.count)
            for (key, c) in entries {
                writer.u64(key)
                writer.u8(c)
            }
            writer.count(agreement[t].count)
            for a in agreement[t] { writer.f64(a) }
        }
    }

    /// Reads what ``encode(into:)`` wrote; refuses keys out of order, classes out of range and chances outside [0, 1].
    init(decoding reader: inout WireReader) throws(OmnisegError) {
        var classOf: [[UInt64: UInt8]] = [], agreement: [[Double]] = []
        for t in Self.fields.indices {
            let n = try reader.count(limit: reader.remaining / 9)
            var classes: [UInt64: UInt8] = [:]
            classes.reserveCapacity(n)
            var last: UInt64?
            for _ in 0..<n {
                let key = try reader.u64(), c = try reader.u8()
                guard last.map({ $0 < key }) ?? true, key != 0 else { throw reader.failure("name frequencies of field \(t) are not in ascending key order") }
                guard c >= 1, Int(c) < Self.classes else { throw reader.failure("a name frequency class \(c) is not 1 to \(Self.classes - 1)") }
                classes[key] = c
                last = key
            }
            let k = try reader.count(limit: Self.classes)
            guard k == 0 || k == Self.classes else { throw reader.failure("\(k) agreement chances; 0 or \(Self.classes) expected") }
            var chances: [Double] = []
            for _ in 0..<k {
                let a = try reader.f64()
                guard a >= 0, a <= 1 else { throw reader.failure("an agreement chance \(a) is not in [0, 1]") }
                chances.append(a)
            }
            classOf.append(classes)
            agreement.append(chances)
        }
        self.init(classOf: classOf, agreement: agreement)
    }
}
