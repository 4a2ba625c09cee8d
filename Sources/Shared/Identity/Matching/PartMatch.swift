import Matching
import OmnisegCore
import Workspace

/// Probabilistic matching of an incremental resolve's part against the stored blocking index, with
/// the stored model, reading only the blocks the part touches.
///
/// A record of the part whose entry changed (fields, or its person under the exact keys), or a
/// removed one, changes the sizes of its blocks; every member of a block that became usable or
/// unusable is dirty too. The dirty records and every member of their usable blocks are read and
/// given to ``IncrementalMatch`` with the blocks' true sizes, so the dirty records' pairs are those
/// a full pass finds. Pairs of two clean records keep what `match_pair` says of them.
struct PartMatch {
    let options: MatchOptions
    let model: MatchModel
    let db: SQLiteConnection

    /// A pair found now, its records in key order.
    struct Pair {
        var a: RecordKey
        var b: RecordKey
        var pattern: ComparisonPattern
        var probability: Double
    }

    /// What matching the part found and what the index must keep of it.
    struct Outcome {
        /// Pairs of dirty records at or above the review threshold.
        var pairs: [Pair] = []
        var dirty: Set<RecordKey> = []
        var compared = 0
        /// Entries of records new or changed, and records removed from the index.
        var entries: [(RecordKey, MatchIndexEntry)] = []
        var removed: [RecordKey] = []

        /// The links and review band over `keys` (the final part, in key order): the pairs found now
        /// and the stored pairs of two clean records.
        func result(over keys: [RecordKey], model: MatchModel, options: MatchOptions, db: SQLiteConnection) throws(OmnisegError) -> MatchResult {
            var index: [RecordKey: Int] = [:]
            for (i, key) in keys.enumerated() { index[key] = i }
            var scored: [ProbabilisticLinker.Scored] = []
            for pair in pairs {
                guard let a = index[pair.a], let b = index[pair.b] else { continue }
                scored.append(ProbabilisticLinker.Scored(a: min(a, b), b: max(a, b), pattern: pair.pattern, probability: pair.probability))
            }
            let stored = try db.prepare("SELECT source_b, source_id_b, pattern FROM match_pair WHERE source_a = ? AND source_id_a = ?")
            let gone = Set(removed)
            for (i, key) in keys.enumerated() where !dirty.contains(key) {
                stored.reset()
                try stored.bind([.text(key.source), .text(key.sourceID)])
                while try stored.step() {
                    let other = RecordKey(source: stored.string(at: 0) ?? "", sourceID: stored.string(at: 1) ?? "")
                    guard let j = index[other], !dirty.contains(other), !gone.contains(other) else { continue }
                    let pattern = try MatchIndexStore.pattern(stored.int64(at: 2))
                    scored.append(ProbabilisticLinker.Scored(a: min(i, j), b: max(i, j), pattern: pattern, probability: model.probability(pattern)))
                }
            }
            return MatchResult(model: model, linkThreshold: options.linkThreshold, reviewThreshold: options.reviewThreshold, records: keys.count,
                               fingerprint: 0, candidates: compared, blocksSkipped: 0, scored: scored)
        }
    }

    /// Matches `records` (the part, in key order; `roots`: each one's set under the exact keys and
    /// labels) given the records of the part no longer in the workspace.
    func run(_ records: [IdentityResolver.Record], roots: [Int], gone: [RecordKey], reader: IdentityResolver.RecordReader,
             resolver: IdentityResolver, _ report: inout ResolveReport) throws(OmnisegError) -> Outcome {
        let rules = ProbabilisticLinker.blockingRules.count
        let lookup = try MatchIndexStore.Lookup(db)
        let entries = IdentityResolver.indexEntries(records, roots: roots)
        var outcome = Outcome()
        // Entries now and stored, of the part and of records read for their blocks.
        var current: [RecordKey: MatchIndexEntry] = [:], stored: [RecordKey: MatchIndexEntry] = [:]
        var fields: [RecordKey: MatchRecord] = [:]
        var changed: [RecordKey] = []
        for (i, r) in records.enumerated() {
            current[r.key] = entries[i]
            fields[r.key] = r.match
            let before = try lookup.entry(r.key)
            if let before { stored[r.key] = before }
            if before != entries[i] {
                changed.append(r.key)
                outcome.entries.append((r.key, entries[i]))
            }
        }
        for key in gone {
            guard let before = try lookup.entry(key) else { continue }
            stored[key] = before
            changed.append(key)
            outcome.removed.append(key)
        }
        let moved = Set(changed)

        // Every block a changed record left or joined, its size before and now.
        var sizes = [[UInt64: (before: Int, now: Int)]](repeating: [:], count: rules)
        var delta = [[UInt64: Int]](repeating: [:], count: rules)
        var joining = [[UInt64: [RecordKey]]](repeating: [:], count: rules)
        for key in changed {
            for rule in 0..<rules {
                if let k = stored[key]?.keys[rule] { delta[rule][k, default: 0] -= 1 }
                if let k = current[key]?.keys[rule] {
                    delta[rule][k, default: 0] += 1
                    joining[rule][k, default: []].append(key)
                }
            }
        }
        let cap = options.maxBlock + changed.count + 2
        for rule in 0..<rules {
            for (k, d) in delta[rule] {
                let before = try lookup.count(rule: rule, key: k, cap: cap)
                sizes[rule][k] = (before, before + d)
            }
        }
        /// A block's members now: the index's, less the changed records, plus those whose key it is now.
        func members(_ rule: Int, _ k: UInt64) throws(OmnisegError) -> [RecordKey] {
            var result: [RecordKey] = []
            for (key, entry) in try lookup.members(rule: rule, key: k) where !moved.contains(key) {
                result.append(key)
                if stored[key] == nil { stored[key] = entry }
            }
            return result + (joining[rule][k] ?? [])
        }

        // Dirty: changed and present, and every member of a block that changed usability.
        var dirty = Set(changed.filter { current[$0] != nil })
        for rule in 0..<rules {
            for (k, size) in sizes[rule]
            where RecordBlocks.usable(size.before, maxBlock: options.maxBlock) != RecordBlocks.usable(size.now, maxBlock: options.maxBlock) {
                for key in try members(rule, k) { dirty.insert(key) }
            }
        }
        // The records matched: the part, the dirty ones, and every member of a dirty record's usable blocks.
        var wanted = Set(records.map(\.key)).union(dirty)
        for key in dirty.sorted() {
            guard let entry = current[key] ?? stored[key] else { continue }
            for rule in 0..<rules {
                guard let k = entry.keys[rule] else { continue }
                if sizes[rule][k] == nil {
                    let n = try lookup.count(rule: rule, key: k, cap: cap)
                    sizes[rule][k] = (n, n)
                }
                guard let size = sizes[rule][k], RecordBlocks.usable(size.now, maxBlock: options.maxBlock) else { continue }
                wanted.formUnion(try members(rule, k))
            }
        }
        let keys = wanted.sorted()
        var matchRecords: [MatchRecord] = [], people: [Int] = [], now: [MatchIndexEntry] = [], previous: [MatchIndexEntry?] = []
        var personNumber: [UInt64: Int] = [:]
        for key in keys {
            if fields[key] == nil { fields[key] = try reader.read(key, by: resolver, &report)?.match ?? MatchRecord() }
            guard let entry = current[key] ?? stored[key] else {
                throw OmnisegError(.corrupt, "the blocking index names \(key) in a block but holds no entry for it: run `omniseg resolve --probabilistic --full`")
            }
            matchRecords.append(fields[key] ?? MatchRecord())
            if personNumber[entry.person] == nil { personNumber[entry.person] = personNumber.count }
            people.append(personNumber[entry.person] ?? 0)
            now.append(entry)
            previous.append(stored[key])
        }
        let found = IncrementalMatch(options: options, model: model).run(
            records: matchRecords, people: people, entries: now, previous: previous, removed: [], stored: [],
            sizes: { rule, k in sizes[rule][k] })
        outcome.compared = found.compared
        for (i, key) in keys.enumerated() where found.dirty[i] { outcome.dirty.insert(key) }
        for pair in found.result.links + found.result.review {
            outcome.pairs.append(Pair(a: keys[pair.a], b: keys[pair.b], pattern: pair.pattern, probability: pair.probability))
        }
        return outcome
    }
}
