import Features
import OmnisegCore
import Recommend

/// What a rule may name, for one feature set: the built-in fields, the feature columns, the
/// departments (of spend shares and of behaviour) and, where stored, clusters and churn-risk tiers.
public struct SegmentVocabulary: Sendable, Equatable {
    /// The feature set's column names.
    public var columns: [String]
    /// Department names of the interactions (lower-case), by department id.
    public var departments: [String]
    /// Whether a cluster assignment and churn scores are available for the feature set.
    public var hasClusters: Bool
    /// Churn-risk tier names, lowest risk first (empty: no churn scores).
    public var churnTiers: [String]
    /// The genders the customer records carry (lower-case), by code.
    public var genders: [String]
    /// Per item id of the interactions: its department (index into ``departments``) and the day it
    /// arrived (`Int32.min`: unknown).
    public var itemDepartments: [UInt16]
    public var itemArrivals: [Int32]

    /// `itemDepartments` defaults to one item per department (interactions at department level).
    public init(columns: [String], departments: [String], hasClusters: Bool, churnTiers: [String], genders: [String] = [],
                itemDepartments: [UInt16]? = nil, itemArrivals: [Int32]? = nil) {
        self.columns = columns
        self.departments = departments
        self.hasClusters = hasClusters
        self.churnTiers = churnTiers
        self.genders = genders
        self.itemDepartments = itemDepartments ?? departments.indices.map { UInt16(clamping: $0) }
        self.itemArrivals = itemArrivals ?? [Int32](repeating: Int32.min, count: self.itemDepartments.count)
    }

    /// Common words for the one-letter genders of customer records.
    static let genderAliases = ["female": "f", "woman": "f", "women": "f", "male": "m", "man": "m", "men": "m"]

    /// Numeric fields beyond the feature columns.
    static let derivedNumbers = ["r_score", "f_score", "m_score", "fm_score", "departments", "cluster", "churn_risk"]
    static let categoryFields = ["rfm", "lifecycle", "channel", "active_channel", "prefers", "gender", "cluster", "churn_tier"]

    func spendColumn(of department: String) -> Int? {
        let name = FeatureColumn.departmentShare(department)
        return columns.firstIndex(of: name)
    }

    /// Departments with a spend-share column (for messages and `prefers`).
    var spendDepartments: [String] {
        columns.filter { $0.hasPrefix("dept_share_") }.map { String($0.dropFirst("dept_share_".count)) }
    }
}

/// A rule resolved against a ``SegmentVocabulary``: every name checked and turned into an index, so
/// evaluation on a worker does no lookups and meets no unknown names.
indirect enum CompiledRule: Sendable, Equatable {
    case and(CompiledRule, CompiledRule)
    case or(CompiledRule, CompiledRule)
    case not(CompiledRule)
    /// A per-person code (see ``Code``) in a set.
    case code(Code, Set<Int>)
    /// A per-person number compared with a value.
    case number(Number, SegmentRule.Comparison, Double)
    /// Someone with a spend share of at least the preference threshold in any of these columns.
    case prefers([Int])
    /// At least `minimum` interactions of these actions, of `department` (nil: any), in the last
    /// `withinDays` (nil: ever), of products that arrived in the last `arrivedDays` (nil: any).
    case activity(actions: [UInt8], department: Int?, withinDays: Int?, minimum: Int, arrivedDays: Int?)

    enum Code: UInt8, Sendable { case rfm, lifecycle, channel, activeChannel, gender, cluster, churnTier }
    enum Number: Sendable, Equatable {
        case column(Int)
        case rScore, fScore, mScore, fmScore, departments, cluster, churnRisk
    }
}

/// Compiles a ``SegmentRule`` against a vocabulary, with messages that say what is known.
struct SegmentCompiler {
    let vocabulary: SegmentVocabulary

    func compile(_ rule: SegmentRule) throws(OmnisegError) -> CompiledRule {
        switch rule {
        case .and(let a, let b): return .and(try compile(a), try compile(b))
        case .or(let a, let b): return .or(try compile(a), try compile(b))
        case .not(let a): return .not(try compile(a))
        case .saved(let name):
            throw OmnisegError(.badInput, "segment(\(name)) was not expanded: saved segments are looked up in the workspace before a job runs")
        case .membership(let field, let values, let negated):
            let compiled = try membership(field, values)
            return negated ? .not(compiled) : compiled
        case .compare(let field, let comparison, let value):
            return .number(try number(field), comparison, value)
        case .share(let department, let comparison, let value):
            guard let column = vocabulary.spendColumn(of: department) else {
                throw OmnisegError(.badInput, "share(\(department)): no department of that name has a spend share; departments are "
                                   + vocabulary.spendDepartments.joined(separator: ", "))
            }
            return .number(.column(column), comparison, value)
        case .activity(let activity, let department, let within, let minimum, let arrived):
            let actions: [UInt8]
            switch activity {
            case .viewed: actions = [InteractionAction.view.rawValue]
            case .carted: actions = [InteractionAction.cartAdd.rawValue]
            case .purchased: actions = [InteractionAction.storePurchase.rawValue, InteractionAction.onlinePurchase.rawValue]
            }
            var id: Int?
            if let department {
                guard let found = vocabulary.departments.firstIndex(of: department) else {
                    throw OmnisegError(.badInput, "\(activity.rawValue)(department = \(department)): no interaction has that department; departments are "
                                       + vocabulary.departments.joined(separator: ", "))
                }
                id = found
            }
            return .activity(actions: actions, department: id, withinDays: within, minimum: minimum, arrivedDays: arrived)
        }
    }

    private func membership(_ field: String, _ values: [String]) throws(OmnisegError) -> CompiledRule {
        func codes(_ names: [String], _ what: String) throws(OmnisegError) -> Set<Int> {
            var set: Set<Int> = []
            for v in values {
                guard let i = names.firstIndex(of: v) else {
                    throw OmnisegError(.badInput, "'\(v)' is not \(what); \(field) takes \(names.filter { !$0.isEmpty }.joined(separator: ", "))")
                }
                set.insert(i)
            }
            return set
        }
        switch field {
        case "rfm": return .code(.rfm, try codes([""] + RFMScheme.segmentNames, "an RFM segment"))
        case "lifecycle": return .code(.lifecycle, try codes(SegmentOptions.lifecycleNames, "a lifecycle stage"))
        case "channel": return .code(.channel, try codes(SegmentOptions.channelNames, "a channel segment"))
        case "active_channel":
            // Bit 0: active in store, bit 1: active online; a value matches the codes that have its bit.
            let wanted = try codes(["store", "online"], "a channel")
            return .code(.activeChannel, Set((0..<4).filter { code in wanted.contains { code & (1 << $0) != 0 } }))
        case "prefers":
            var columns: [Int] = []
            for v in values {
                guard let c = vocabulary.spendColumn(of: v) else {
                    throw OmnisegError(.badInput, "'\(v)' is not a department with a spend share; prefers takes "
                                       + vocabulary.spendDepartments.joined(separator: ", "))
                }
                columns.append(c)
            }
            return .prefers(columns)
        case "cluster":
            guard vocabulary.hasClusters else { throw OmnisegError(.precondition, "no cluster job has run on this feature set: run omniseg run cluster first") }
            var set: Set<Int> = []
            for v in values {
                guard let k = Int(v), k >= 0 else { throw OmnisegError(.badInput, "'\(v)' is not a cluster number (0, 1, 2, …)") }
                set.insert(k)
            }
            return .code(.cluster, set)
        case "gender":
            let mapped = values.map { SegmentVocabulary.genderAliases[$0] ?? $0 }
            var set: Set<Int> = []
            for (v, m) in zip(values, mapped) {
                guard let i = vocabulary.genders.firstIndex(of: m) else {
                    throw OmnisegError(.badInput, "'\(v)' is not a gender of the customer records; gender takes "
                                       + (vocabulary.genders.isEmpty ? "nothing: no record has one" : vocabulary.genders.joined(separator: ", ")
                                          + " (or female, male)"))
                }
                set.insert(i)
            }
            return .code(.gender, set)
        case "churn_tier":
            guard !vocabulary.churnTiers.isEmpty else { throw OmnisegError(.precondition, "no churn scores for this feature set: run omniseg run churn-score first") }
            return .code(.churnTier, try codes(vocabulary.churnTiers, "a churn-risk tier"))
        default:
            throw OmnisegError(.badInput, "unknown field '\(field)'; fields are "
                               + SegmentVocabulary.categoryFields.joined(separator: ", ") + " (or compare a number: "
                               + (SegmentVocabulary.derivedNumbers + vocabulary.columns).joined(separator: ", ") + ")")
        }
    }

    private func number(_ field: String) throws(OmnisegError) -> CompiledRule.Number {
        if let column = vocabulary.columns.firstIndex(of: field) { return .column(column) }
        switch field {
        case "r_score": return .rScore
        case "f_score": return .fScore
        case "m_score": return .mScore
        case "fm_score": return .fmScore
        case "departments": return .departments
        case "cluster":
            guard vocabulary.hasClusters else { throw OmnisegError(.precondition, "no cluster job has run on this feature set: run omniseg run cluster first") }
            return .cluster
        case "churn_risk":
            guard !vocabulary.churnTiers.isEmpty else { throw OmnisegError(.precondition, "no churn scores for this feature set: run omniseg run churn-score first") }
            return .churnRisk
        default:
            throw OmnisegError(.badInput, "unknown numeric field '\(field)'; numbers are "
                               + (SegmentVocabulary.derivedNumbers + vocabulary.columns).joined(separator: ", ")
                               + (SegmentVocabulary.categoryFields.contains(field) ? " ('\(field)' takes names: \(field) = …)" : ""))
        }
    }
}
