import OmnisegCore
import Workspace

extension IdentityResolver {
    /// Resolves only what changed since the last resolve: the records in the change log, and every
    /// record they could be linked to or were linked to — closed under the records of each person
    /// they were, each exact key that links now or linked before, and labels. Whatever lies outside
    /// that part has the same inputs as before, so it keeps its people; inside, the exact rules run as a
    /// full resolve runs them (same order, same guards; a key carried by too many records in the whole
    /// workspace stays shared), so the result equals a full resolve's.
    ///
    /// Returns nil when the workspace's index cannot serve (never resolved with these options, last
    /// resolved with matching) or so much changed that reading everything is quicker.
    func resolveChanges(_ workspace: Workspace) throws(OmnisegError) -> ResolveReport? {
        let db = workspace.db
        let index = IdentityKeyIndex(db: db)
        return try db.transaction { () throws(OmnisegError) -> ResolveReport? in
            guard try index.serves(IdentityKeyIndex.fingerprint(options)),
                  let last = try db.rows("SELECT records, people FROM identity_generation ORDER BY generation DESC LIMIT 1").first,
                  let records = last[0].integer, let people = last[1].integer else { return nil }
            let totals = Totals(records: Int(records), people: Int(people))
            // Past a fifth of the base, one pass over everything beats a lookup per record.
            guard try index.changeCount() <= max(1_000, totals.records / 5) else { return nil }
            var report = ResolveReport()
            let part = try closedPart(index, workspace, &report)
            report.changedRecords = part.changed
            report.resolvedAgain = part.records.count + part.before.gone.count
            let labels = try Self.labels(of: part.records, in: workspace)
            var (union, rules) = link(part.records, labels: labels, shared: part.shared, &report)
            try write(part.records, union: &union, rules: rules, labels: labels, before: part.before, totalsBefore: totals, matching: nil, &report,
                      in: workspace)
            try index.clearChanges()
            return report
        }
    }

    /// The records an incremental resolve works on (in key order, as a full resolve orders them),
    /// what they were linked to before, and the keys too many records of the whole workspace carry.
    struct Part {
        var records: [Record] = []
        var before = Before(previous: [], previousRules: [])
        var shared: Set<IdentityKeyIndex.Key> = []
        /// Records in the change log.
        var changed = 0
    }

    /// Reads the change log, brings the index's keys of the changed records up to date, and closes
    /// the changed records under persons, linking keys and labels.
    private func closedPart(_ index: IdentityKeyIndex, _ workspace: Workspace, _ report: inout ResolveReport) throws(OmnisegError) -> Part {
        let db = index.db
        let reader = try RecordReader(db, defaultCountryCode: options.defaultCountryCode)
        let keys = try IdentityKeyIndex.Access(index)
        let changes = try index.changes(reader.normalizer)
        let cap = options.maxRecordsPerKey + 1

        // The changed records now; their keys in the index brought up to date, and each key's count
        // before that (a key that linked before and is shared now must unlink its records).
        var loaded: [RecordKey: Record?] = [:]
        var countBefore: [IdentityKeyIndex.Key: Int] = [:]
        var formerKeys: [RecordKey: [IdentityKeyIndex.Key]] = [:]
        for key in changes.records.sorted() {
            let record = try reader.read(key, by: self, &report)
            loaded[key] = .some(record)
            let now = Set(record.map(IdentityKeyIndex.keys) ?? [])
            var held: [IdentityKeyIndex.Key] = []
            for former in Set(changes.formerKeys[key] ?? []) where try keys.holds(former, key) { held.append(former) }
            formerKeys[key] = held
            for k in now.union(held) where countBefore[k] == nil { countBefore[k] = try keys.count(k, cap: cap + changes.records.count) }
        }
        for (key, held) in formerKeys {
            let now = Set((loaded[key] ?? nil).map(IdentityKeyIndex.keys) ?? [])
            for k in held where !now.contains(k) { try keys.set(k, key, present: false) }
            for k in now where !held.contains(k) { try keys.set(k, key, present: true) }
        }

        // Close under persons (all records of the person a record was), keys and labels. A person's
        // records were joined by keys and labels the closure follows anyway; following the person too
        // means an index that missed a change cannot split a person silently.
        let link = try db.prepare("SELECT person_id, rule FROM person_link WHERE source = ? AND source_id = ?")
        let personRecords = try db.prepare("SELECT source, source_id FROM person_link WHERE person_id = ?")
        var labelled: [RecordKey: [RecordKey]] = [:]
        for (a, b, _) in try MatchStore(workspace: workspace).labels() {
            labelled[a, default: []].append(b)
            labelled[b, default: []].append(a)
        }
        var part = Part(changed: changes.records.count)
        var previous: [RecordKey: (Int64, String)] = [:]
        var seenPeople: Set<Int64> = [], seenKeys: Set<IdentityKeyIndex.Key> = []
        var queue = changes.records.sorted(by: >), queued = changes.records
        func enqueue(_ key: RecordKey) {
            if queued.insert(key).inserted { queue.append(key) }
        }
        while let key = queue.popLast() {
            let record: Record?
            if let known = loaded[key] { record = known } else { record = try reader.read(key, by: self, &report) }
            link.reset()
            try link.bind([.text(key.source), .text(key.sourceID)])
            if try link.step() {
                let person = link.int64(at: 0)
                previous[key] = (person, link.string(at: 1) ?? "single")
                if seenPeople.insert(person).inserted {
                    personRecords.reset()
                    try personRecords.bind([.integer(person)])
                    while try personRecords.step() {
                        enqueue(RecordKey(source: personRecords.string(at: 0) ?? "", sourceID: personRecords.string(at: 1) ?? ""))
                    }
                }
            }
            // A key that links now or linked before joins (or joined) its records: they are part too.
            for k in (record.map(IdentityKeyIndex.keys) ?? []) + (formerKeys[key] ?? []) where seenKeys.insert(k).inserted {
                let now = try keys.count(k, cap: cap)
                if now > options.maxRecordsPerKey { part.shared.insert(k) }
                let linkedBefore = countBefore[k].map { $0 <= options.maxRecordsPerKey } ?? false
                guard now <= options.maxRecordsPerKey || linkedBefore else { continue }
                for member in try keys.members(k) { enqueue(member) }
            }
            for other in labelled[key] ?? [] { enqueue(other) }
            guard let record else {
                if let (person, _) = previous[key] { part.before.gone.append((key, person)) }
                continue
            }
            part.records.append(record)
        }
        part.records.sort { ($0.source, $0.sourceID) < ($1.source, $1.sourceID) }
        part.before.previous = part.records.map { previous[$0.key]?.0 }
        part.before.previousRules = part.records.map { previous[$0.key]?.1 }
        return part
    }
}
