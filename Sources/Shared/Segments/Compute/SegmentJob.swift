import Features
import JobRuntime
import OmnisegCore
import Synchronization

/// The `segment` job: evaluates up to 16 segment rules over every person, shard by shard, into
/// bitsets; returns each segment's size, every combination of segments that occurs (with revenue and
/// churn risk) and, when asked, the members.
///
/// Where the workspace is, it reads each person's department-level interactions (for `viewed(…)`,
/// `purchased(…)`, lifecycle), the newest cluster assignment and churn scores of the feature set,
/// and the RFM quintile cut-points of the whole set; the rules travel as text and each task parses
/// and checks them against the same vocabulary. One iteration: a task per shard, merged in shard order.
public struct SegmentJob: JobKind {
    public static let name = "segment"
    public static let codecs = JobCodecs(name)
    /// The same job under the name `omniseg overlap` submits it by (its result has the combinations).
    public static let overlapName = "overlap"
    public static let maximumSegments = 16
    public static let descriptor = JobKindDescriptor(
        name: name, summary: "Segment sizes: up to 16 rules evaluated over every person into bitsets.",
        parameters: SegmentParameters.schema) { _, parameters throws(OmnisegError) in try SegmentJob(parameters: parameters) }
    /// The same job as `omniseg overlap` submits it.
    public static let overlapDescriptor = descriptor.named(
        overlapName, summary: "How segments overlap: the people in exactly each combination, with revenue and churn risk.")

    /// (name, rule text) of each segment, in order.
    public let segments: [(name: String, rule: String)]
    public let options: SegmentOptions
    public let keepMembers: Bool

    /// Reads the rules and settings; with no parameters at all, a job that only renders results.
    public init(parameters: JobParameters) throws(OmnisegError) {
        typealias P = SegmentParameters
        var list: [(String, String)] = []
        let names = Dictionary(try parameters.numbered(P.names).compactMap { n in n.value.map { (n.index, $0) } }) { a, _ in a }
        if let rule = try parameters.value(P.rule) { list.append((names[1] ?? "segment", rule)) }
        for (i, rule) in try parameters.numbered(P.rules) {
            guard let rule else { continue }
            guard list.count < Self.maximumSegments else { throw OmnisegError(.badInput, "a segment job takes at most \(Self.maximumSegments) rules") }
            list.append((names[i] ?? "segment_\(i)", rule))
        }
        guard !list.isEmpty || parameters.values.isEmpty else {
            throw OmnisegError(.badInput, "job parameter 'rule' (or rule_1 … rule_\(Self.maximumSegments)) is required: the segment's rule")
        }
        for (_, rule) in list { _ = try RuleParser.parse(rule) }
        segments = list
        var o = SegmentOptions()
        o.newDays = try parameters.value(P.newDays)
        o.activeDays = try parameters.value(P.activeDays)
        o.lapsedDays = try parameters.value(P.lapsedDays)
        guard o.activeDays <= o.lapsedDays else {
            throw OmnisegError(.badInput, "job parameter 'active_days' (\(o.activeDays)) must not exceed 'lapsed_days' (\(o.lapsedDays))")
        }
        o.preferenceShare = try parameters.value(P.preferShare)
        options = o
        keepMembers = try parameters.value(P.members)
    }

    /// The parameters that name `segments` (name, rule), in order: `rule_1`, `name_1`, … as
    /// ``init(parameters:)`` reads them.
    public static func parameters(_ segments: [(name: String, rule: String)]) -> JobParameters {
        var p = JobParameters()
        for (i, s) in segments.enumerated() {
            p["\(SegmentParameters.rules.name)_\(i + 1)"] = s.rule
            p["\(SegmentParameters.names.name)_\(i + 1)"] = s.name
        }
        return p
    }

    public var initialState: [UInt8] { [] }


    /// The preparation for data that does not come from a workspace (benchmarks): every rule is
    /// checked against `vocabulary` here, so a misspelt field fails before any task runs.
    public func preparation(vocabulary: SegmentVocabulary, rfm: RFMScheme, data: [SegmentShardData], featureSetID: Int64 = 0,
                            asOf: Int64) throws(OmnisegError) -> JobPreparation {
        for (name, rule) in segments {
            do throws(OmnisegError) { _ = try SegmentCompiler(vocabulary: vocabulary).compile(try RuleParser.parse(rule)) } catch {
                throw OmnisegError(error.code, "segment '\(name)': \(error.message)")
            }
        }
        let state = SegmentState(segments: segments, options: options, keepMembers: keepMembers, vocabulary: vocabulary, rfm: rfm,
                                 featureSetID: featureSetID, asOf: asOf)
        return JobPreparation(state: state.encoded, taskData: data.map(\.encoded))
    }

    public func execute(shard: FeatureShard, iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        throw OmnisegError(.corrupt, "a segment task arrived without its shard's interactions")
    }

    public func execute(shard: FeatureShard, data: [UInt8], iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        let decoded = try SegmentState(decoding: state)
        let shardData = try SegmentShardData(decoding: data, itemCount: decoded.vocabulary.itemDepartments.count)
        guard shardData.interactions.rowStart == shard.rowStart, shardData.interactions.rowCount == shard.rowCount else {
            throw OmnisegError(.corrupt, "the segment data of rows \(shardData.interactions.rowStart)+\(shardData.interactions.rowCount) came with shard \(shard.rowStart)+\(shard.rowCount)")
        }
        let compiler = SegmentCompiler(vocabulary: decoded.vocabulary)
        let rules = try decoded.segments.map { (_, text) throws(OmnisegError) in try compiler.compile(try RuleParser.parse(text)) }
        let evaluator = SegmentEvaluator(shard: shard, data: shardData, vocabulary: decoded.vocabulary, rfm: decoded.rfm, options: decoded.options,
                                         asOfDay: Int32(clamping: CivilDate.day(unixSeconds: decoded.asOf)), rules: rules)
        var sets: [PersonBitset] = []
        for rule in rules {
            try cancellation.check()
            sets.append(evaluator.evaluate(rule))
        }
        var tallies = SegmentCombinations(segments: sets.count)
        let monetary = decoded.vocabulary.columns.firstIndex(of: "monetary").map { shard.column($0) }
        for r in 0..<shard.rowCount {
            var mask = 0
            for (i, set) in sets.enumerated() where set[r] { mask |= 1 << i }
            tallies.people[mask] += 1
            tallies.revenue[mask] += Double(monetary?[r] ?? 0)
            let risk = shardData.churnRisk[r]
            if !risk.isNaN {
                tallies.churnSum[mask] += Double(risk)
                tallies.scored[mask] += 1
            }
        }
        var writer = WireWriter(capacity: 1024 + (decoded.keepMembers ? sets.count * shard.rowCount / 8 : 0))
        writer.u64(UInt64(shard.rowCount))
        for set in sets { writer.u64(UInt64(set.populationCount)) }
        SegmentCombinations.encode(tallies.list, into: &writer)
        if decoded.keepMembers { for set in sets { writer.integers(set.words) } }
        return writer.bytes
    }

    public func merge(iteration: Int, state: [UInt8], partials: [[UInt8]]) throws(OmnisegError) -> JobStep {
        let decoded = try SegmentState(decoding: state)
        let k = decoded.segments.count
        var counts = [Int](repeating: 0, count: k)
        var tallies = SegmentCombinations(segments: k)
        var shards: [(rows: Int, sets: [[UInt64]])] = []
        for partial in partials {
            var reader = WireReader(partial, what: "segment partial")
            let rows = Int(try reader.tally())
            guard rows <= 1 << 30 else { throw reader.failure("a shard of \(rows) rows") }
            for i in 0..<k { counts[i] += Int(try reader.tally()) }
            for c in try SegmentCombinations.decode(from: &reader, segments: k) { tallies.add(c) }
            var sets: [[UInt64]] = []
            if decoded.keepMembers { for _ in 0..<k { sets.append(try reader.integers((rows + 63) / 64, of: UInt64.self)) } }
            try reader.expectEnd()
            shards.append((rows, sets))
        }
        let people = shards.reduce(0) { $0 + $1.rows }
        var members: [PersonBitset] = []
        if decoded.keepMembers {
            for i in 0..<k {
                var all = PersonBitset(count: people)
                var start = 0
                for shard in shards {
                    let part = try PersonBitset(words: shard.sets[i], count: shard.rows)
                    for r in part.members { all.insert(start + r) }
                    start += shard.rows
                }
                members.append(all)
            }
        }
        let result = SegmentResult(names: decoded.segments.map(\.name), rules: decoded.segments.map(\.rule), people: people,
                                   featureSetID: decoded.featureSetID, asOf: decoded.asOf, counts: counts, combinations: tallies.list, members: members)
        return .finish(result: result.encoded)
    }

    public func render(result: [UInt8], json: Bool) throws(OmnisegError) -> String {
        let decoded = try SegmentResult(decoding: result)
        return json ? SegmentReport.json(decoded) : SegmentReport.text(decoded)
    }
}


/// The `segment` job's state: the rules and everything a task needs to check and evaluate them.
struct SegmentState {
    var segments: [(name: String, rule: String)]
    var options: SegmentOptions
    var keepMembers: Bool
    var vocabulary: SegmentVocabulary
    var rfm: RFMScheme
    var featureSetID: Int64
    var asOf: Int64

    init(segments: [(name: String, rule: String)], options: SegmentOptions, keepMembers: Bool, vocabulary: SegmentVocabulary, rfm: RFMScheme,
         featureSetID: Int64, asOf: Int64) {
        self.segments = segments
        self.options = options
        self.keepMembers = keepMembers
        self.vocabulary = vocabulary
        self.rfm = rfm
        self.featureSetID = featureSetID
        self.asOf = asOf
    }

    static let magic: [UInt8] = Array("OMSEGS".utf8)
    static let version: UInt16 = 1

    var encoded: [UInt8] {
        var writer = WireWriter(capacity: 4096)
        writer.raw(Self.magic)
        writer.u16(Self.version)
        writer.count(segments.count)
        for (name, rule) in segments {
            writer.string(name)
            writer.string(rule)
        }
        options.encode(into: &writer)
        writer.u8(keepMembers ? 1 : 0)
        rfm.encode(into: &writer)
        writer.i64(featureSetID)
        writer.i64(asOf)
        writer.count(vocabulary.columns.count)
        for c in vocabulary.columns { writer.string(c) }
        writer.count(vocabulary.departments.count)
        for d in vocabulary.departments { writer.string(d) }
        writer.u8(vocabulary.hasClusters ? 1 : 0)
        writer.count(vocabulary.churnTiers.count)
        for t in vocabulary.churnTiers { writer.string(t) }
        writer.count(vocabulary.genders.count)
        for g in vocabulary.genders { writer.string(g) }
        writer.count(vocabulary.itemDepartments.count)
        writer.integers(vocabulary.itemDepartments)
        writer.integers(vocabulary.itemArrivals)
        return writer.bytes
    }

    init(decoding bytes: [UInt8]) throws(OmnisegError) {
        var reader = WireReader(bytes, what: "segment state")
        guard try reader.bytes(Self.magic.count) == Self.magic, try reader.u16() == Self.version else { throw reader.failure("not a segment state of this version") }
        let n = try reader.count(limit: SegmentJob.maximumSegments)
        segments = []
        for _ in 0..<n { segments.append((try reader.string(), try reader.string(limit: 1 << 20))) }
        options = try SegmentOptions.decode(from: &reader)
        keepMembers = try reader.u8() == 1
        rfm = try RFMScheme.decode(from: &reader)
        featureSetID = try reader.i64()
        asOf = try reader.i64()
        var columns: [String] = [], departments: [String] = [], tiers: [String] = []
        for _ in 0..<(try reader.count(limit: 1 << 16)) { columns.append(try reader.string()) }
        for _ in 0..<(try reader.count(limit: 1 << 20)) { departments.append(try reader.string()) }
        let hasClusters = try reader.u8() == 1
        for _ in 0..<(try reader.count(limit: 255)) { tiers.append(try reader.string()) }
        var genders: [String] = []
        for _ in 0..<(try reader.count(limit: 255)) { genders.append(try reader.string()) }
        let items = try reader.count(limit: 1 << 30)
        let itemDepartments = try reader.integers(items, of: UInt16.self)
        let itemArrivals = try reader.integers(items, of: Int32.self)
        try reader.expectEnd()
        guard itemDepartments.allSatisfy({ Int($0) < departments.count }) else { throw reader.failure("an item's department is not one of the \(departments.count)") }
        vocabulary = SegmentVocabulary(columns: columns, departments: departments, hasClusters: hasClusters, churnTiers: tiers, genders: genders,
                                       itemDepartments: itemDepartments, itemArrivals: itemArrivals)
    }
}
