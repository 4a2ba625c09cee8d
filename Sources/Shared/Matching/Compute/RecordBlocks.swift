import OmnisegCore

/// The records' blocks under every blocking rule: per rule, the comparable records that share a key
/// (``ProbabilisticLinker/blockingKey(_:_:)``), in order of each block's first record, so the same
/// records give the same blocks in the same order whatever the hashing.
package struct RecordBlocks {
    /// Per rule, per block, its members (ascending record indices); single records included.
    private(set) var members: [[[Int32]]]
    /// Per rule, per record: its block under that rule, or -1 (not comparable, or no key).
    private(set) var blockOf: [[Int32]]

    /// The blocks of records whose keys (per record, per rule: ``ProbabilisticLinker/blockingKeys(_:)``) are `keys`.
    init(keys: [[UInt64?]]) {
        let rules = ProbabilisticLinker.blockingRules.count
        members = Array(repeating: [], count: rules)
        blockOf = Array(repeating: Array(repeating: -1, count: keys.count), count: rules)
        for rule in 0..<rules {
            var byKey: [UInt64: Int32] = [:]
            byKey.reserveCapacity(keys.count)
            for (i, recordKeys) in keys.enumerated() {
                guard let key = recordKeys[rule] else { continue }
                let b: Int32
                if let known = byKey[key] {
                    b = known
                    members[rule][Int(b)].append(Int32(i))
                } else {
                    b = Int32(members[rule].count)
                    byKey[key] = b
                    members[rule].append([Int32(i)])
                }
                blockOf[rule][i] = b
            }
        }
    }

    /// Whether a block of `size` records is compared: two or more, at most `maxBlock`.
    package static func usable(_ size: Int, maxBlock: Int) -> Bool { size >= 2 && size <= maxBlock }

    /// Whether records `i` and `j` share a usable block under a rule before `rule` (a pair is compared
    /// under the first rule that blocks it). `sizes`: per rule, per block, its size where the records
    /// are part of a larger set (default: its members here).
    func sharedEarlier(_ i: Int, _ j: Int, before rule: Int, maxBlock: Int, sizes: [[Int]]? = nil) -> Bool {
        for r in 0..<rule {
            let b = blockOf[r][i]
            if b >= 0, b == blockOf[r][j], Self.usable(sizes?[r][Int(b)] ?? members[r][Int(b)].count, maxBlock: maxBlock) { return true }
        }
        return false
    }
}
