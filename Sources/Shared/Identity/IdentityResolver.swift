import Matching
import OmnisegCore
import Workspace

/// Options for identity resolution.
public struct ResolveOptions: Sendable {
    /// A key value (e-mail, phone or loyalty id) carried by more records than this is treated as shared
    /// (a placeholder, a shop's own number, a family card) and links nothing. Default 8.
    public var maxRecordsPerKey: Int
    /// Country calling code for phone numbers written without one. Default "1".
    public var defaultCountryCode: String
    /// When set, records the exact rules leave apart are also matched on names, birth date and
    /// address (``ProbabilisticLinker``). Default: off.
    public var probabilistic: MatchOptions?
    /// Threads probabilistic matching uses when it runs in this process. Default 1.
    public var threads: Int
    /// How much probabilistic matching redoes. Default: as little as the workspace allows.
    public var matchScope: MatchScope
    /// Without probabilistic matching: read and link every record (true), or only the records changed
    /// since the last resolve and those they link to, when the workspace allows (false, the default).
    public var everyRecord: Bool

    public init(maxRecordsPerKey: Int = 8, defaultCountryCode: String = "1", probabilistic: MatchOptions? = nil, threads: Int = 1,
                matchScope: MatchScope = .incremental, everyRecord: Bool = false) {
        self.maxRecordsPerKey = maxRecordsPerKey
        self.defaultCountryCode = defaultCountryCode
        self.probabilistic = probabilistic
        self.threads = max(1, threads)
        self.matchScope = matchScope
        self.everyRecord = everyRecord
    }
}

/// What resolution found.
public struct ResolveReport: Sendable {
    /// Source records considered (customer records plus ids seen only in transactions or events).
    public var records = 0
    /// Of those, ids seen only in transactions or events.
    public var bareRecords = 0
    public var people = 0
    /// Records linked to at least one other record, by the rule that first linked them.
    public var linkedBy: [String: Int] = [:]
    /// Identifier values present but not usable (not an e-mail, not a phone number, …), per kind.
    public var unusable: [String: Int] = [:]
    /// Key values ignored because too many records carry them, per kind.
    public var sharedKeys: [String: Int] = [:]
    /// Phone numbers not used because they join records with conflicting e-mails, loyalty ids, birth dates or first names.
    public var conflictingPhones = 0
    /// The identity generation now current (a new one when this resolve changed who is who).
    public var generation: Int64 = 0
    /// Probabilistic matching: candidate pairs compared, pairs linked, pairs left for review, links
    /// refused because they would join conflicting people or too large a person.
    public var candidatePairs = 0
    public var matchedPairs = 0
    public var reviewPairs = 0
    public var refusedMatches = 0
    /// How probabilistic matching ran: fitted a model, scored every pair with the stored one, or
    /// compared only the new and changed records (``dirtyRecords`` of them) with it.
    public var matchRun: MatchRun?
    public var dirtyRecords = 0
    /// Labels applied: pairs labelled the same person (linked whatever the model says), probabilistic
    /// links refused because a label says two of their records are different people, and pairs
    /// labelled different that the exact rules (e-mail, loyalty id, phone) still join.
    public var labelledSame = 0
    public var labelRefused = 0
    public var labelConflicts: [(RecordKey, RecordKey)] = []
    /// People given a new id, merged into an older one, and records split from a person, by this resolve.
    public var created = 0
    public var merged = 0
    public var split = 0
    /// An incremental resolve: the records changed since the last resolve, and the records resolved
    /// again (those and every record they link or linked to). Nil: every record was read.
    public var changedRecords: Int?
    public var resolvedAgain = 0
    /// Wall-clock and CPU time of the resolve's phases (reading and linking on the exact keys,
    /// matching, linking the matches, writing), for `--timings`.
    public var phases = PhaseTimes()
}

/// Joins source records into people: union-find over normalized e-mail and loyalty id, then phone
/// numbers where they do not join records that conflict (different e-mails, loyalty ids, birth dates, or
/// first names more than one typo apart — a household's shared landline, not one person).
///
/// Person ids are stable: the first resolve numbers people 1...P by their first record in (source,
/// source id) order (the same records give the same ids whatever order they were loaded in); later
/// resolves keep each person's id, keep the oldest id when people merge and the id with the largest
/// part when a person splits (``PersonIDAssigner``), and record both in `person_history` under a new
/// identity generation.
public struct IdentityResolver {
    public let options: ResolveOptions

    public init(options: ResolveOptions = ResolveOptions()) {
        self.options = options
    }

    /// One source record's identifiers, normalized.
    struct Record {
        var source: String
        var sourceID: String
        var email: String?
        var phone: String?
        var loyalty: String?
        var birthDate: String?
        var firstName: String?
        var lastName: String?
        /// The fields probabilistic matching compares (only read when it is on).
        var match = MatchRecord()

        var key: RecordKey { RecordKey(source: source, sourceID: sourceID) }
    }

    /// Resolves every record in `workspace`, replacing earlier links. With probabilistic matching on,
    /// `matches` is what a `match` job found (on the workers); without it the job runs in this process.
    /// A result computed from other records than the workspace's now (say, records ingested while
    /// the job ran) is refused.
    public func resolve(_ workspace: Workspace, matches: MatchResult? = nil) throws(OmnisegError) -> ResolveReport {
        if !options.everyRecord, matches == nil, options.probabilistic == nil || options.matchScope == .incremental,
           let report = try resolveChanges(workspace) {
            return report
        }
        var report = ResolveReport()
        var phases = PhaseTimes()
        let resolvedChanges = try IdentityKeyIndex(db: workspace.db).startFullRead()
        var (records, labels, sets, rules) = try phases.measure("exact keys") { () throws(OmnisegError) in
            try linkExactly(workspace, matchFields: options.probabilistic != nil, &report)
        }
        report.records = records.count
        let lookup = Self.keyTable(records)
        var matching: Matching?
        if let match = options.probabilistic {
            let roots = records.indices.map { sets.find($0) }
            let (outcome, index) = try phases.measure("match") { () throws(OmnisegError) in
                try self.match(records, roots: roots, options: match, lookup: lookup, given: matches, workspace, &report)
            }
            matching = phases.measure("link matches") { linkProbabilistically(records, outcome, roots: roots, labels: labels, &sets, &rules, &report) }
            matching?.index = index
            matching?.outcome = outcome
        }
        var union = sets
        let db = workspace.db
        try phases.measure("write") { () throws(OmnisegError) in
            try db.transaction { () throws(OmnisegError) in
                let before = try Self.previousLinks(of: records, lookup: lookup, in: db)
                try write(records, union: &union, rules: rules, labels: labels, before: before, totalsBefore: nil, matching: matching, &report, in: workspace)
                // Every record's keys, for the next resolve to start from.
                try IdentityKeyIndex(db: db).replace(records, fingerprint: IdentityKeyIndex.fingerprint(options), changesUpTo: resolvedChanges)
            }
        }
        report.phases = phases
        return report
    }

    /// The probabilistic matches of `records` (`roots[i]`: record i's person on the exact keys) and
    /// how the blocking index changes: `given` (what a `match` job found on the workers) checked
    /// against these records, or the job run in this process — only on the changed records with the
    /// stored model when the workspace allows, else on every record with the stored or a new model.
    private func match(_ records: [Record], roots: [Int], options match: MatchOptions, lookup: ByteKeyTable, given matches: MatchResult?,
                       _ workspace: Workspace, _ report: inout ResolveReport) throws(OmnisegError) -> (MatchResult, Matching.Index) {
        let entries = Self.indexEntries(records, roots: roots)
        if let matches {
            // A result from the workers was computed elsewhere, earlier: it must fit these records.
            guard matches.records == records.count, matches.fingerprint == MatchPlan.fingerprint(entries.map(\.digest), people: roots) else {
                throw OmnisegError(.badInput, "the match result was computed from other records or links than the workspace holds now "
                                   + "(\(matches.records) records then, \(records.count) now): records were ingested, resolved or labelled "
                                   + "while it ran; resolve again")
            }
            let stored = options.matchScope == .refit ? nil : try MatchStore(workspace: workspace).storedModel(for: match)
            report.matchRun = stored.map { $0.model == matches.model } == true ? .storedModel : .fitted
            return (matches, .replace(entries))
        }
        let run = try MatchStore(workspace: workspace).run(for: match, scope: options.matchScope)
        report.matchRun = run.kind
        switch run {
        case .incremental(let model):
            let loaded = try MatchIndexStore(db: workspace.db).load(lookup: lookup, count: records.count)
            let found = IncrementalMatch(options: match, model: model).run(
                records: records.map(\.match), people: roots, entries: entries, previous: loaded.previous, removed: loaded.removed.map(\.entry),
                stored: loaded.pairs)
            report.dirtyRecords = found.dirty.count { $0 }
            return (found.result, .update(entries, loaded, found))
        case .storedModel(let model):
            let outcome = try ProbabilisticLinker(options: match).match(records.map(\.match), people: roots, model: model, entries: entries,
                                                                        threads: options.threads)
            return (outcome, .replace(entries))
        case .fit:
            return (try ProbabilisticLinker(options: match).match(records.map(\.match), people: roots, entries: entries, threads: options.threads),
                    .replace(entries))
        }
    }

    /// Each record's index by its (source, source id).
    static func keyTable(_ records: [Record]) -> ByteKeyTable {
        var table = ByteKeyTable(capacity: max(16, records.count))
        for (i, r) in records.enumerated() { _ = table.insert(r.source, r.sourceID, value: Int32(i)) }
        return table
    }

    /// Each record's person id and linking rule before this resolve (nil for a record not linked yet),
    /// and the links of records the workspace no longer has.
    private static func previousLinks(of records: [Record], lookup index: ByteKeyTable, in db: SQLiteConnection) throws(OmnisegError) -> Before {
        var before = Before(previous: [Int64?](repeating: nil, count: records.count), previousRules: [String?](repeating: nil, count: records.count))
        let statement = try db.prepare("SELECT source, source_id, person_id, rule FROM person_link")
        while try statement.step() {
            let found = statement.withBytes(at: 0) { source in statement.withBytes(at: 1) { id in index.find(source, id) } }
            if let i = found {
                before.previous[Int(i)] = statement.int64(at: 2)
                before.previousRules[Int(i)] = statement.string(at: 3)
            } else {
                before.gone.append((RecordKey(source: statement.string(at: 0) ?? "", sourceID: statement.string(at: 1) ?? ""), statement.int64(at: 2)))
            }
        }
        return before
    }

    /// Why a change happened, in words for `person_history`: the rules that now link the records.
    static func reason(_ change: IdentityChange, clusters: [[Int]], clusterOfID: [Int64: Int], rules: [String]) -> String {
        guard let c = clusterOfID[change.kind == .merge ? change.person : change.other] else { return change.kind.rawValue }
        let linking = Set(clusters[c].map { rules[$0] }).subtracting(["single"]).sorted()
        switch change.kind {
        case .merge:
            return "linked by " + (linking.isEmpty ? "no rule" : linking.joined(separator: "+"))
        case .split:
            return "no longer linked to the rest of person \(change.person)" + (linking.isEmpty ? "" : "; now linked by " + linking.joined(separator: "+"))
        }
    }

    /// What probabilistic matching reads: every record's compared fields and its person under the
    /// exact keys and labels, in the order ``resolve(_:matches:)`` numbers them. The `match` job's
    /// plan is made from this where the workspace is.
    package func matchInputs(_ workspace: Workspace) throws(OmnisegError) -> (records: [MatchRecord], people: [Int]) {
        var report = ResolveReport()
        var (records, _, sets, _) = try linkExactly(workspace, matchFields: true, &report)
        return (records.map(\.match), records.indices.map { sets.find($0) })
    }

    /// Every record in key order (as resolves number them), its labels, and the sets and rules the
    /// exact keys and labels make: what a resolve and the `match` job's plan both start from.
    private func linkExactly(_ workspace: Workspace, matchFields: Bool, _ report: inout ResolveReport) throws(OmnisegError)
        -> (records: [Record], labels: Labels, sets: UnionFind, rules: [String]) {
        var records = try loadRecords(workspace, matchFields: matchFields, &report)
        records.sort { ($0.source, $0.sourceID) < ($1.source, $1.sourceID) }
        let labels = try Self.labels(of: records, in: workspace)
        let (sets, rules) = link(records, labels: labels, &report)
        return (records, labels, sets, rules)
    }

    /// What probabilistic matching leaves to keep: its model, its result, and how the blocking index
    /// changes (the review band is read from the index's pairs).
    struct Matching {
        var model: MatchModel
        var candidates: Int
        var index = Index.replace([])
        var outcome: MatchResult

        /// The blocking index after a full pass (every entry, the result's pairs) or an incremental one.
        enum Index {
            case replace([MatchIndexEntry])
            case update([MatchIndexEntry], MatchIndexStore.Loaded, IncrementalMatch.Outcome)
            /// An incremental resolve of a part (``PartMatch``).
            case part(PartMatch.Outcome)
        }
    }

    /// Every record's blocking index entry; its person is named by a checksum of that person's first
    /// record key (records are in key order), so it is the same whatever the union-find's roots.
    static func indexEntries(_ records: [Record], roots: [Int]) -> [MatchIndexEntry] {
        var personKey: [Int: UInt64] = [:]
        return records.indices.map { i in
            let person: UInt64
            if let known = personKey[roots[i]] {
                person = known
            } else {
                let key = Array(records[i].source.utf8) + [0x1F] + Array(records[i].sourceID.utf8)
                person = key.withUnsafeBytes { Checksum64.of($0, seed: 0x7065_7273_6F6E) }
                personKey[roots[i]] = person
            }
            return MatchIndexEntry(records[i].match, person: person)
        }
    }

    /// Links records on the exact keys and labels; returns the sets and per record the rule that first
    /// linked it ("single" if none).
    /// `shared`: keys more records of the whole workspace carry than `records` hold (an incremental
    /// resolve's part): they link nothing.
    func link(_ records: [Record], labels: Labels = Labels(), shared: Set<IdentityKeyIndex.Key> = [], _ report: inout ResolveReport)
        -> (UnionFind, [String]) {
        var sets = UnionFind(count: records.count)
        var rules = [String](repeating: "single", count: records.count)

        func groups(_ key: (Record) -> String?, _ kind: String, _ stored: IdentityKeyIndex.Kind) -> [[Int]] {
            var byValue: [String: [Int]] = [:]
            for (i, r) in records.enumerated() { if let k = key(r) { byValue[k, default: []].append(i) } }
            var result: [[Int]] = []
            for (value, members) in byValue.sorted(by: { $0.key < $1.key }) where members.count > 1 {
                if members.count > options.maxRecordsPerKey || (!shared.isEmpty && shared.contains(IdentityKeyIndex.Key(kind: stored, value: value))) {
                    report.sharedKeys[kind, default: 0] += 1
                } else {
                    result.append(members)
                }
            }
            return result
        }

        func join(_ members: [Int], _ rule: String) {
            for m in members.dropFirst() { sets.union(members[0], m) }
            for m in members where rules[m] == "single" { rules[m] = rule }
        }

        for g in groups({ $0.email }, "email", .email) { join(g, "email") }
        for g in groups({ $0.loyalty }, "loyalty_id", .loyalty) { join(g, "loyalty_id") }

        // Per set: the e-mails, loyalty ids and birth dates its records carry (kept current as phones join sets).
        // Only sets that a phone group touches need them.
        let phoneGroups = groups({ $0.phone }, "phone", .phone)
        var traits: [Int: Traits] = [:]
        for g in phoneGroups { for m in g { traits[sets.find(m)] = Traits() } }
        for (i, r) in records.enumerated() {
            let root = sets.find(i)
            if traits[root] != nil { traits[root]?.add(r) }
        }
        for g in phoneGroups {
            var roots: [Int] = []
            for m in g {
                let root = sets.find(m)
                if !roots.contains(root) { roots.append(root) }
            }
            var compatible = true
            outer: for a in 0..<roots.count {
                for b in (a + 1)..<roots.count where traits[roots[a], default: Traits()].conflicts(with: traits[roots[b], default: Traits()]) {
                    compatible = false
                    break outer
                }
            }
            guard compatible else { report.conflictingPhones += 1; continue }
            if roots.count < 2 { join(g, "phone"); continue }
            var merged = Traits()
            for root in roots { merged.merge(traits.removeValue(forKey: root) ?? Traits()) }
            join(g, "phone")
            traits[sets.find(g[0])] = merged
        }
        // A pair labelled the same person is one, whatever the model or the guards say.
        for (a, b) in labels.same where sets.find(a) != sets.find(b) {
            join([a, b], "label")
            report.labelledSame += 1
        }
        return (sets, rules)
    }

    /// Links the pairs `outcome` scores at or above its threshold, most probable first, unless the
    /// link would join people whose e-mails, loyalty ids, birth dates or first names conflict, or make a
    /// person of more than `maxRecordsPerKey` records (so one bad link cannot chain unrelated people).
    func linkProbabilistically(_ records: [Record], _ outcome: MatchResult, roots: [Int], labels: Labels, _ sets: inout UnionFind,
                               _ rules: inout [String], _ report: inout ResolveReport) -> Matching {
        report.candidatePairs = outcome.candidates
        report.reviewPairs = outcome.review.count { !labels.pairs.contains(Labels.pack($0.a, $0.b)) }
        // Traits only of the people a link touches (most people are not).
        var traits: [Int: Traits] = [:]
        for link in outcome.links { traits[roots[link.a]] = Traits(); traits[roots[link.b]] = Traits() }
        for (i, r) in records.enumerated() where traits[roots[i]] != nil { traits[roots[i]]?.add(r) }
        // Per set, the records some record of it is labelled different from (kept as sets join).
        var apart: [Int: [Int]] = [:]
        for (a, b) in labels.different {
            apart[sets.find(a), default: []].append(b)
            apart[sets.find(b), default: []].append(a)
        }
        for link in outcome.links {
            let a = sets.find(link.a), b = sets.find(link.b)
            guard a != b else { continue }
            if (apart[a] ?? []).contains(where: { sets.find($0) == b }) {
                report.labelRefused += 1
                continue
            }
            let ta = traits[a] ?? Traits(), tb = traits[b] ?? Traits()
            guard !ta.conflicts(with: tb), sets.setSize(a) + sets.setSize(b) <= options.maxRecordsPerKey else {
                report.refusedMatches += 1
                continue
            }
            var merged = ta
            merged.merge(tb)
            traits[a] = nil
            traits[b] = nil
            let apartA = apart.removeValue(forKey: a) ?? [], apartB = apart.removeValue(forKey: b) ?? []
            sets.union(a, b)
            traits[sets.find(a)] = merged
            if !apartA.isEmpty || !apartB.isEmpty { apart[sets.find(a)] = apartA + apartB }
            report.matchedPairs += 1
            for m in [link.a, link.b] where rules[m] == "single" { rules[m] = "probabilistic" }
        }
        return Matching(model: outcome.model, candidates: outcome.candidates, outcome: outcome)
    }
}
