import Foundation
import JobRuntime
import OmnisegCore

/// Fellegi–Sunter matching of records the exact rules left apart: blocking rules (OR-ed) make the
/// candidate pairs, each pair's fields are compared in levels, u comes from random pairs (the names'
/// exact levels from their frequencies), m from the pairs the exact keys joined, λ — the matches'
/// share of all pairs of different people — from EM over the candidates' pattern counts, and a pair
/// is linked at or above the link threshold (listed for review between the review and link thresholds).
public struct ProbabilisticLinker {
    /// The fields compared and their levels; a name's exact agreement is split by how common the
    /// value is (``TermFrequencies``), so names have its classes and then the other similarity levels.
    public static let fields: [(name: String, levels: Int)] = [
        ("first_name", nameLevels), ("last_name", nameLevels), ("birth_date", FieldComparison.dateLevels),
        ("street", FieldComparison.streetLevels), ("postcode", FieldComparison.exactLevels), ("city", FieldComparison.exactLevels),
    ]
    static let nameLevels = TermFrequencies.classes + FieldComparison.nameLevels - 1
    /// The blocking rules, by name: records in one block on any of them are compared.
    public static let blockingRules = ["postcode+first_initial", "last_soundex+birth_year", "both_names_in_either_order", "last_name"]

    public let options: MatchOptions

    public init(options: MatchOptions = MatchOptions()) { self.options = options }

    /// A candidate pair and what the model says of it.
    public struct Scored: Sendable, Equatable {
        public let a: Int, b: Int
        public let pattern: ComparisonPattern
        public let probability: Double

        package init(a: Int, b: Int, pattern: ComparisonPattern, probability: Double) {
            self.a = a
            self.b = b
            self.pattern = pattern
            self.probability = probability
        }
    }

    /// The comparison pattern of records `a` and `b`, names classed by `frequencies` (the pair loops
    /// compare through a ``MatchRecordTable`` built once; this is the same comparison for one pair).
    public static func compare(_ a: MatchRecord, _ b: MatchRecord, _ frequencies: TermFrequencies) -> ComparisonPattern {
        MatchRecordTable([a, b], frequencies: frequencies).withView { $0.compare(0, 1) }
    }

    /// Matches `records`; `people[i]` is record i's person so far (records of one person are not
    /// candidates, and their pairs are how m starts). Runs the `match` job (``MatchJob``) in this
    /// process on `threads` threads: the same plan, tasks and merge as on workers (the tasks read the
    /// plan's blocks in place of blobs, ``LocalMatchTasks``), so the result is the same bit for bit. With `model` (fitted by an earlier resolve), pairs are scored with it and
    /// nothing is estimated; `entries` spare the plan the records' blocking keys and digests (``MatchPlan``).
    public func match(_ records: [MatchRecord], people: [Int], model: MatchModel? = nil, entries: [MatchIndexEntry]? = nil,
                      threads: Int = 1) throws(OmnisegError) -> MatchResult {
        // The tasks read the plan's blocks and table as they are: no blob is written or read.
        let plan = MatchPlan(records: records, people: people, options: options, model: model, entries: entries, encodingTasks: false)
        let local = LocalMatchTasks(plan, records: records, people: people, frequencies: try MatchState(decoding: plan.state).model.frequencies)
        let job = MatchJob(options: options, local: local)
        var inputs: [TaskInput] = []
        for (i, blob) in plan.taskData.enumerated() { inputs.append(try TaskInput(index: i, shard: nil, data: blob, as: .blobs)) }
        let transport = InProcessTransport(kind: job, inputs: inputs, threads: threads)
        let result = try JobDriver(jobID: "match", kind: job, shardCount: inputs.count, mergeThreads: threads)
            .run(transport: transport, checkpoints: MemoryCheckpoints(), firstState: { plan.state }, progress: { _, _, _ in }, timing: { _ in })
        return try MatchResult(decoding: try job.resultBody(result))
    }

    /// Record `r`'s key under each blocking rule; none under any when it is not comparable.
    static func blockingKeys(_ r: MatchRecord) -> [UInt64?] {
        blockingRules.indices.map { r.isComparable ? blockingKey($0, r) : nil }
    }

    /// Record `r`'s key under blocking rule `rule` (a 64-bit hash of its fields, never 0), or nil when
    /// it lacks the fields. Kept in the workspace's blocking index, so it must not change between builds.
    static func blockingKey(_ rule: Int, _ r: MatchRecord) -> UInt64? {
        var bytes: [UInt8]
        switch rule {
        case 0:
            guard r.postcodeKey != 0, let initial = r.firstName.first else { return nil }
            bytes = withUnsafeBytes(of: r.postcodeKey.littleEndian, Array.init) + [initial]
        case 1:
            guard let year = r.birthDate?.year else { return nil }
            let code = r.lastName.withUnsafeBytes { Soundex.code($0) }
            bytes = withUnsafeBytes(of: code.littleEndian, Array.init) + withUnsafeBytes(of: Int32(year).littleEndian, Array.init)
        case 3:
            bytes = r.lastName
        default:
            guard !r.firstName.isEmpty else { return nil }
            let (x, y) = r.firstName.lexicographicallyPrecedes(r.lastName) ? (r.firstName, r.lastName) : (r.lastName, r.firstName)
            bytes = x + [0x1F] + y
        }
        let key = bytes.withUnsafeBytes { Checksum64.of($0, seed: 0x626C_6F63_6B00 | UInt64(rule)) }
        return key == 0 ? 1 : key
    }

    /// m's starting point: the level shares of record pairs already one person (at most
    /// `randomPairs` of them, people in order of their first record), or nil when there are none.
    func knownMatchShares(_ records: [MatchRecord], people: [Int], frequencies: TermFrequencies) -> [[Double]]? {
        knownMatchShares(records, people: people, table: MatchRecordTable(records, frequencies: frequencies))
    }

    /// ``knownMatchShares(_:people:frequencies:)`` comparing through `table` (of `records`, built once for the plan).
    func knownMatchShares(_ records: [MatchRecord], people: [Int], table: MatchRecordTable) -> [[Double]]? {
        var members: [Int: [Int]] = [:]
        var order: [Int] = []
        for i in records.indices where records[i].isComparable {
            if members[people[i]] == nil { order.append(people[i]) }
            members[people[i], default: []].append(i)
        }
        var counts = PatternCounts()
        var pairs = 0
        table.withView { view in
            for person in order {
                guard let group = members[person], group.count > 1 else { continue }
                for x in 0..<group.count {
                    for y in (x + 1)..<group.count where pairs < options.randomPairs {
                        counts.add(view.compare(group[x], group[y]))
                        pairs += 1
                    }
                }
            }
        }
        return pairs == 0 ? nil : MatchModel.levelShares(counts.dictionary, fields: Self.fields)
    }

    /// u per field and level from `randomPairs` random record pairs (seeded; almost all are of two
    /// people), the names' exact levels from `frequencies` (``TermFrequencies/adjusted(_:)``).
    func uFromRandomPairs(_ records: [MatchRecord], frequencies: TermFrequencies) -> [[Double]] {
        uFromRandomPairs(records, table: MatchRecordTable(records, frequencies: frequencies))
    }

    /// ``uFromRandomPairs(_:frequencies:)`` comparing through `table` (of `records`, built once for the plan).
    func uFromRandomPairs(_ records: [MatchRecord], table: MatchRecordTable) -> [[Double]] {
        var counts = PatternCounts()
        let comparable = records.indices.filter { records[$0].isComparable }
        if comparable.count >= 2 {
            var rng = SplitMix64(seed: options.seed)
            table.withView { view in
                for _ in 0..<options.randomPairs {
                    let i = comparable[rng.below(comparable.count)], j = comparable[rng.below(comparable.count)]
                    guard i != j else { continue }
                    counts.add(view.compare(i, j))
                }
            }
        }
        return table.frequencies.adjusted(MatchModel.levelShares(counts.dictionary, fields: Self.fields))
    }
}
