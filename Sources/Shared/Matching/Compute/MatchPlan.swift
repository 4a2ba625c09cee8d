import OmnisegCore

/// How a `match` job is cut into tasks, made where the records are (pure: records in, bytes out).
///
/// Every blocking rule groups the comparable records by its key; a block of 2 to `maxBlock` records
/// is usable, a larger one is left out. The usable blocks, in order of rule and first record, are cut
/// into `tasks` runs of about equal work (pairs to compare), and each run travels as one
/// ``MatchBlocks`` blob: the records its blocks name, numbered by their index in `records`, with
/// their person so far and their block under each rule, so a task can tell which pairs are its own
/// to compare (a pair two rules block together is compared once, under the first).
public struct MatchPlan: Sendable {
    /// The first state (``MatchState``): u from random pairs, m from the pairs the exact keys joined.
    public let state: [UInt8]
    /// The tasks' blobs, at least one (empty ones when the plan was made for this process only).
    public let taskData: [[UInt8]]
    /// The usable blocks, each task's run of them, and each rule's block of every record (-1: none):
    /// what ``LocalMatchTasks`` hands the tasks of this process without a blob.
    let blocks: [Block]
    let runs: [Range<Int>]
    let blockOf: [[Int32]]
    /// The table the plan compared random and known pairs through (nil when it was given a model).
    let table: MatchRecordTable?

    /// One usable block: its rule and its records (ascending).
    struct Block {
        let rule: Int
        let members: [Int32]
        var work: Int { members.count * (members.count - 1) / 2 + members.count }
    }

    /// The plan of matching `records`; with `model` (the one a earlier resolve fitted), the tasks
    /// score their pairs with it straight away and nothing is estimated. `entries`, when the caller
    /// has them (a resolve keeps one per record for its blocking index), give each record's blocking
    /// keys and digest, which are then not worked out again. Without `encodingTasks` the tasks have
    /// no blobs: they run in this process (``LocalMatchTasks``).
    public init(records: [MatchRecord], people: [Int], options: MatchOptions, model: MatchModel? = nil, entries: [MatchIndexEntry]? = nil,
                encodingTasks: Bool = true) {
        precondition(people.count == records.count && (entries?.count ?? records.count) == records.count, "one person and entry per record")
        let index = RecordBlocks(keys: entries?.map(\.keys) ?? records.map(ProbabilisticLinker.blockingKeys))
        var blockOf = [[Int32]](repeating: [Int32](repeating: -1, count: records.count), count: index.members.count)
        var blocks: [Block] = []
        var skipped = 0
        for rule in index.members.indices {
            for members in index.members[rule] where members.count > 1 {
                guard RecordBlocks.usable(members.count, maxBlock: options.maxBlock) else { skipped += 1; continue }
                for m in members { blockOf[rule][Int(m)] = Int32(blocks.count) }
                blocks.append(Block(rule: rule, members: members))
            }
        }

        let fitted: MatchModel
        var planTable: MatchRecordTable?
        if let model {
            fitted = model
        } else {
            let linker = ProbabilisticLinker(options: options)
            let frequencies = TermFrequencies(records: records, people: people)
            let table = MatchRecordTable(records, frequencies: frequencies)
            var start = MatchModel(fields: ProbabilisticLinker.fields, u: linker.uFromRandomPairs(records, table: table), frequencies: frequencies)
            if let known = linker.knownMatchShares(records, people: people, table: table) { start.m = known }
            fitted = start
            planTable = table
        }
        table = planTable
        state = MatchState(linkThreshold: options.linkThreshold, reviewThreshold: options.reviewThreshold, estimateM: options.estimateM,
                           fitted: model != nil, model: fitted, records: records.count,
                           fingerprint: Self.fingerprint(entries?.map(\.digest) ?? records.map(\.digest), people: people),
                           blocksSkipped: skipped, candidates: 0, population: Self.population(records, people: people)).encoded

        // Contiguous runs of blocks of about equal work.
        let total = blocks.reduce(0) { $0 + $1.work }
        let tasks = max(1, min(options.tasks, blocks.count))
        var runs: [Range<Int>] = []
        var start = 0, done = 0
        for (b, block) in blocks.enumerated() {
            done += block.work
            if runs.count < tasks - 1, done * tasks >= total * (runs.count + 1) {
                runs.append(start..<(b + 1))
                start = b + 1
            }
        }
        runs.append(start..<blocks.count)
        self.blocks = blocks
        self.runs = runs
        self.blockOf = blockOf
        guard encodingTasks else {
            taskData = runs.map { _ in [] }
            return
        }
        var local = [Int32](repeating: -1, count: records.count)
        taskData = runs.map { run in
            Self.blob(blocks[run], records: records, people: people, blockOf: blockOf, local: &local)
        }
    }

    /// The blob of one run of blocks; `local` is all -1 on entry and on return (scratch, one slot per record).
    static func blob(_ blocks: ArraySlice<Block>, records: [MatchRecord], people: [Int], blockOf: [[Int32]], local: inout [Int32]) -> [UInt8] {
        var members: [Int32] = []
        for block in blocks { for m in block.members where local[Int(m)] < 0 { local[Int(m)] = 0; members.append(m) } }
        members.sort()
        for (l, m) in members.enumerated() { local[Int(m)] = Int32(l) }
        var writer = WireWriter(capacity: 64 * members.count + 16 * blocks.count)
        writer.count(blockOf.count)
        writer.count(members.count)
        for m in members {
            let i = Int(m)
            writer.u32(UInt32(i))
            writer.u32(UInt32(people[i]))
            for rule in blockOf.indices { writer.u32(UInt32(bitPattern: blockOf[rule][i])) }
            records[i].encode(into: &writer)
        }
        writer.count(blocks.count)
        for block in blocks {
            writer.u8(UInt8(block.rule))
            writer.count(block.members.count)
            writer.integers(block.members.map { UInt32(local[Int($0)]) })
        }
        for m in members { local[Int(m)] = -1 }
        return writer.bytes
    }

    /// Pairs of comparable records of different people: every pair the matcher could link, the
    /// population whose share of matches is the model's prior λ (non-candidates count as non-matches).
    static func population(_ records: [MatchRecord], people: [Int]) -> UInt64 {
        var perPerson: [Int: UInt64] = [:]
        var n: UInt64 = 0
        for i in records.indices where records[i].isComparable {
            perPerson[people[i], default: 0] += 1
            n += 1
        }
        let same = perPerson.values.reduce(UInt64(0)) { $0 + $1 * ($1 - 1) / 2 }
        return n * (n &- 1) / 2 - same
    }

    /// A checksum of what matching reads of every record and its person so far: a result is applied
    /// only to the records it was computed from.
    public static func fingerprint(_ records: [MatchRecord], people: [Int]) -> UInt64 {
        fingerprint(records.map(\.digest), people: people)
    }

    /// The same from the records' digests (``MatchRecord/digest``).
    public static func fingerprint(_ digests: [UInt64], people: [Int]) -> UInt64 {
        var sum = Checksum64(seed: 0x6D61_7463_6850)
        var writer = WireWriter(capacity: 16 * digests.count)
        for (i, digest) in digests.enumerated() {
            writer.u64(UInt64(people[i]))
            writer.u64(digest)
        }
        writer.bytes.withUnsafeBytes { sum.update($0) }
        return sum.digest
    }
}
