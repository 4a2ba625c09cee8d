import Matching
import OmnisegCore
import Workspace

extension IdentityResolver {
    /// The links the records of a resolve had before it.
    struct Before {
        /// Per record, its person id (nil: not linked yet) and the rule that linked it.
        var previous: [Int64?]
        var previousRules: [String?]
        /// Records linked before that the workspace no longer has, with their person id.
        var gone: [(RecordKey, Int64)] = []
    }

    /// The people and records of the last identity generation (what an incremental resolve adjusts).
    struct Totals {
        var records: Int
        var people: Int
    }

    /// Makes people of `union`'s sets, gives them their stable ids and writes them: a new identity
    /// generation with its merges and splits when who is who changed, and the links. `records` are
    /// every record of the workspace (`totalsBefore` nil: person_link is rewritten), or a part closed
    /// under every link (an incremental resolve: only its links change, and the generation's totals
    /// are `totalsBefore` adjusted by the part's change). Runs inside the caller's transaction.
    func write(_ records: [Record], union: inout UnionFind, rules: [String], labels: Labels, before: Before, totalsBefore: Totals?,
               matching: Matching?, _ report: inout ResolveReport, in workspace: Workspace) throws(OmnisegError) {
        for (a, b) in labels.different where union.find(a) == union.find(b) {
            report.labelConflicts.append((records[a].key, records[b].key))
        }
        // The new people, in order of each one's first record.
        var clusterOfRoot: [Int: Int] = [:]
        var clusters: [[Int]] = []
        var clusterOfRecord = [Int](repeating: 0, count: records.count)
        for i in records.indices {
            let root = union.find(i)
            if let c = clusterOfRoot[root] {
                clusters[c].append(i)
                clusterOfRecord[i] = c
            } else {
                clusterOfRoot[root] = clusters.count
                clusterOfRecord[i] = clusters.count
                clusters.append([i])
            }
        }
        for rule in rules where rule != "single" { report.linkedBy[rule, default: 0] += 1 }
        if let totals = totalsBefore {
            // The part's people replace the people its records (and its records now gone) were.
            let formerPeople = Set(before.previous.compactMap { $0 } + before.gone.map(\.1))
            report.records = totals.records + before.previous.count { $0 == nil } - before.gone.count
            report.people = totals.people - formerPeople.count + clusters.count
        } else {
            report.records = records.count
            report.people = clusters.count
        }

        let db = workspace.db
        let nextID = (try db.scalar("SELECT max(id) FROM person")?.integer ?? 0) + 1
        let assignment = PersonIDAssigner.assign(clusters: clusters, previous: before.previous, nextID: nextID)
        let personIDs = clusterOfRecord.map { assignment.ids[$0] }
        let changed = !before.gone.isEmpty || records.indices.contains { before.previous[$0] != personIDs[$0] }
        var generation = try IdentityGenerations.current(in: db)
        // The model and review band of a probabilistic resolve, kept for `match explain` and `resolve --review`.
        func saveMatching(generation: Int64) throws(OmnisegError) {
            guard let matching, let options = options.probabilistic else { return }
            try MatchStore(workspace: workspace).save(matching.model, options: options, generation: generation, candidates: matching.candidates)
            let keys = records.map(\.key), index = MatchIndexStore(db: db)
            switch matching.index {
            case .replace(let entries): try index.replace(keys: keys, entries: entries, result: matching.outcome)
            case .update(let entries, let loaded, let found): try index.update(keys: keys, entries: entries, loaded: loaded, outcome: found)
            case .part(let found): try index.update(part: found)
            }
        }
        report.created = assignment.created
        report.merged = assignment.changes.filter { $0.kind == .merge }.count
        report.split = assignment.changes.filter { $0.kind == .split }.count
        let rulesChanged = records.indices.contains { before.previousRules[$0] != rules[$0] }
        if changed || generation == 0 {
            generation += 1
            var clusterOfID: [Int64: Int] = [:]
            if !assignment.changes.isEmpty { for (c, id) in assignment.ids.enumerated() { clusterOfID[id] = c } }
            report.generation = generation
            try saveMatching(generation: generation)
            try IdentityGenerations.record(generation, assignment: assignment, newFrom: nextID, report: report,
                                           reasons: { change in Self.reason(change, clusters: clusters, clusterOfID: clusterOfID, rules: rules) }, in: db)
        } else {
            // The same people: no new generation; the links are written again only when a record is
            // now linked by another rule (say, a second resolve with --probabilistic that links nothing new).
            report.generation = generation
            try saveMatching(generation: generation)
            guard rulesChanged else { return }
        }
        if totalsBefore == nil {
            try db.execute("DELETE FROM person_link")
        } else {
            let delete = try db.prepare("DELETE FROM person_link WHERE source = ? AND source_id = ?")
            for (key, _) in before.gone {
                try delete.bind([.text(key.source), .text(key.sourceID)])
                try delete.runAndReset()
            }
        }
        let insert = try db.prepare("INSERT OR REPLACE INTO person_link (source, source_id, person_id, rule) VALUES (?, ?, ?, ?)")
        for (i, r) in records.enumerated() where totalsBefore == nil || before.previous[i] != personIDs[i] || before.previousRules[i] != rules[i] {
            insert.bind(r.source, at: 1)
            insert.bind(r.sourceID, at: 2)
            insert.bind(personIDs[i], at: 3)
            insert.bind(rules[i], at: 4)
            try insert.runAndReset()
        }
    }
}
