import OmnisegCore

/// What the workspace's blocking index keeps of one record: a checksum of its compared fields, its
/// person under the exact keys and labels (a checksum of that person's first record key), and its
/// key under each blocking rule (nil: none, or the record is not comparable).
public struct MatchIndexEntry: Sendable, Equatable {
    public var digest: UInt64
    public var person: UInt64
    public var keys: [UInt64?]

    public init(digest: UInt64, person: UInt64, keys: [UInt64?]) {
        self.digest = digest
        self.person = person
        self.keys = keys
    }

    /// The entry of `record`, whose person is `person`.
    public init(_ record: MatchRecord, person: UInt64) {
        digest = record.digest
        self.person = person
        keys = ProbabilisticLinker.blockingKeys(record)
    }
}

/// Matching of new and changed records against a stored blocking index, with a model fitted before.
///
/// A record is *dirty* when it is new, its compared fields changed, its person under the exact keys
/// changed, or one of its blocks became usable or unusable (crossed `maxBlock`). Dirty records are
/// compared with every member of their usable blocks; a pair of two clean records keeps what the
/// stored pairs say of it (same fields, same people, same blocks: the same candidate with the same
/// pattern). So the result is the one a full pass with the same model gives (``MatchPlan`` with
/// `model`), while the work grows with the dirty records' blocks, not with the base.
public struct IncrementalMatch {
    /// A stored pair at or above the review threshold, by record index, with its pattern.
    public struct StoredPair: Sendable {
        public let a: Int, b: Int
        public let pattern: ComparisonPattern

        public init(a: Int, b: Int, pattern: ComparisonPattern) {
            (self.a, self.b) = a < b ? (a, b) : (b, a)
            self.pattern = pattern
        }
    }

    /// The result (links and review band over the whole record list), the dirty records, the pairs
    /// compared now, and which stored pairs no longer hold (they touch a dirty record).
    public struct Outcome {
        public var result: MatchResult
        public var dirty: [Bool]
        public var compared: Int
        public var dropped: [StoredPair]
    }

    public let options: MatchOptions
    public let model: MatchModel

    public init(options: MatchOptions, model: MatchModel) {
        self.options = options
        self.model = model
    }

    /// A block's size in the index before and now, where `records` are only part of the workspace's
    /// (a resolve of the changed part): by rule and key; nil for a block whose size did not change
    /// and that no dirty record is in.
    public typealias BlockSizes = (_ rule: Int, _ key: UInt64) -> (before: Int, now: Int)?

    /// Matches `records` (`people[i]`: record i's person so far; `entries[i]`: its index entry now)
    /// given the index as it was: `previous[i]` (nil for a new record), the entries of records since
    /// removed, and the stored pairs (records by index now; pairs of removed records left out).
    ///
    /// With `sizes`, `records` may be a part of the workspace's: every member of each block that
    /// changed usability and of each usable block of a dirty record must be in it (so the pairs of the
    /// dirty records are those of the whole workspace), and `sizes` gives every block's true sizes.
    public func run(records: [MatchRecord], people: [Int], entries: [MatchIndexEntry], previous: [MatchIndexEntry?], removed: [MatchIndexEntry],
                    stored: [StoredPair], sizes: BlockSizes? = nil) -> Outcome {
        precondition(records.count == people.count && records.count == entries.count && records.count == previous.count, "one of each per record")
        let blocks = RecordBlocks(keys: entries.map(\.keys))
        let rules = ProbabilisticLinker.blockingRules.count
        var dirty = records.indices.map { previous[$0] != entries[$0] }

        // A block whose usability changed changes every pair of its members.
        var oldSize = [[UInt64: Int32]](repeating: [:], count: rules)
        if sizes == nil {
            for entry in previous.lazy.compactMap({ $0 }) + removed {
                for rule in 0..<rules { if let key = entry.keys[rule] { oldSize[rule][key, default: 0] += 1 } }
            }
        }
        var skipped = 0
        var blockSize = [[Int]](repeating: [], count: rules)
        for rule in 0..<rules {
            for members in blocks.members[rule] {
                guard let key = entries[Int(members[0])].keys[rule] else { blockSize[rule].append(0); continue }
                let (before, now) = sizes.map { $0(rule, key) ?? (members.count, members.count) } ?? (Int(oldSize[rule][key] ?? 0), members.count)
                blockSize[rule].append(now)
                let usable = RecordBlocks.usable(now, maxBlock: options.maxBlock)
                if now > options.maxBlock { skipped += 1 }
                if usable != RecordBlocks.usable(before, maxBlock: options.maxBlock) {
                    for m in members { dirty[Int(m)] = true }
                }
            }
        }

        var probabilities = PatternProbabilities(model)
        var scored: [ProbabilisticLinker.Scored] = []
        func keep(_ a: Int, _ b: Int, _ pattern: ComparisonPattern) {
            let p = probabilities.probability(pattern)
            if p >= options.reviewThreshold { scored.append(ProbabilisticLinker.Scored(a: a, b: b, pattern: pattern, probability: p)) }
        }

        var compared = 0
        MatchRecordTable(records, frequencies: model.frequencies).withView { view in
            for d in records.indices where dirty[d] {
                for rule in 0..<rules {
                    let block = blocks.blockOf[rule][d]
                    guard block >= 0 else { continue }
                    let members = blocks.members[rule][Int(block)]
                    guard RecordBlocks.usable(blockSize[rule][Int(block)], maxBlock: options.maxBlock) else { continue }
                    for member in members {
                        let m = Int(member)
                        guard m != d, !(dirty[m] && m < d), people[m] != people[d],
                              !blocks.sharedEarlier(d, m, before: rule, maxBlock: options.maxBlock, sizes: blockSize) else { continue }
                        let (a, b) = d < m ? (d, m) : (m, d)
                        keep(a, b, view.compare(a, b))
                        compared += 1
                    }
                }
            }
        }
        var dropped: [StoredPair] = []
        for pair in stored {
            if dirty[pair.a] || dirty[pair.b] { dropped.append(pair) } else { keep(pair.a, pair.b, pair.pattern) }
        }
        let result = MatchResult(model: model, linkThreshold: options.linkThreshold, reviewThreshold: options.reviewThreshold, records: records.count,
                                 fingerprint: MatchPlan.fingerprint(entries.map(\.digest), people: people), candidates: compared,
                                 blocksSkipped: skipped, scored: scored)
        return Outcome(result: result, dirty: dirty, compared: compared, dropped: dropped)
    }
}
