import JobRuntime
import OmnisegCore

/// One task's input of a `match` job, as ``MatchPlan`` writes it: records (numbered by their index in
/// the whole record list, with their person so far and their block under each rule) and the blocks
/// whose pairs this task compares.
struct MatchBlocks {
    var index: [UInt32] = []
    var person: [UInt32] = []
    /// Per rule, per record: the global id of its usable block under that rule, or `UInt32.max`.
    var blockOf: [[UInt32]] = []
    var records: [MatchRecord] = []
    var blocks: [(rule: Int, members: [UInt32])] = []

    /// A task's input as given in this process: records numbered as in the whole list (`index`
    /// maps each to itself), with no ``records`` (the caller compares through its own table).
    init(index: [UInt32], person: [UInt32], blockOf: [[UInt32]], blocks: [(rule: Int, members: [UInt32])]) {
        self.index = index
        self.person = person
        self.blockOf = blockOf
        self.blocks = blocks
    }

    /// Decodes a task's blob; refuses a block naming a record it does not carry, members out of order,
    /// a rule this build does not know, or records not in ascending order.
    init(decoding bytes: [UInt8]) throws(OmnisegError) {
        var reader = WireReader(bytes, what: "match record blocks")
        let rules = try reader.count(limit: 16)
        guard rules == ProbabilisticLinker.blockingRules.count else {
            throw reader.failure("\(rules) blocking rules; this build has \(ProbabilisticLinker.blockingRules.count)")
        }
        let count = try reader.count(limit: reader.remaining / 32)
        blockOf = [[UInt32]](repeating: [], count: rules)
        for _ in 0..<count {
            let i = try reader.u32()
            guard index.last.map({ $0 < i }) ?? true else { throw reader.failure("record \(i) is out of order") }
            index.append(i)
            person.append(try reader.u32())
            for rule in 0..<rules { blockOf[rule].append(try reader.u32()) }
            records.append(try MatchRecord(decoding: &reader))
        }
        let blockCount = try reader.count(limit: reader.remaining / 5)
        for _ in 0..<blockCount {
            let rule = Int(try reader.u8())
            guard rule < rules else { throw reader.failure("blocking rule \(rule) does not exist") }
            let members = try reader.integers(try reader.count(limit: reader.remaining / 4), of: UInt32.self)
            guard members.count >= 2, members.allSatisfy({ Int($0) < count }), zip(members, members.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw reader.failure("a block of rule \(rule) names records that are not this task's, or not in ascending order")
            }
            blocks.append((rule, members))
        }
        try reader.expectEnd()
    }

    /// Calls `body` with every pair (local indices, i < j) this task compares: two records of one of
    /// its blocks, not one person already, and in no block together under an earlier rule.
    func forEachCandidate(cancellation: CancellationCheck, _ body: (Int, Int) -> Void) throws(OmnisegError) {
        for (n, block) in blocks.enumerated() {
            if n % 256 == 0 { try cancellation.check() }
            let members = block.members
            for x in 0..<members.count {
                let i = Int(members[x])
                for y in (x + 1)..<members.count {
                    let j = Int(members[y])
                    guard person[i] != person[j] else { continue }
                    var earlier = false
                    for rule in 0..<block.rule where blockOf[rule][i] != .max && blockOf[rule][i] == blockOf[rule][j] {
                        earlier = true
                        break
                    }
                    if !earlier { body(i, j) }
                }
            }
        }
    }
}
