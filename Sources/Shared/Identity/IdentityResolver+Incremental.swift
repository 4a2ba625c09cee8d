import Matching
import OmnisegCore
import Workspace

extension IdentityResolver {
    /// Resolves only what changed since the last resolve: the records in the change log and the part
    /// of the workspace they link or linked to (``PartClosure``). Inside that part the exact rules
    /// run as a full resolve runs them (same order, same guards; a key carried by too many records
    /// of the whole workspace stays shared), and with matching the changed records are compared with
    /// their blocks' members (``PartMatch``) and the part's links applied as a full pass applies them,
    /// so the result equals a full resolve's with the same model.
    ///
    /// Returns nil when the workspace's index cannot serve (never resolved with these options or this
    /// link threshold, no stored model for these matching options) or so much changed that reading
    /// everything is quicker.
    func resolveChanges(_ workspace: Workspace) throws(OmnisegError) -> ResolveReport? {
        let db = workspace.db
        let index = IdentityKeyIndex(db: db)
        return try db.transaction { () throws(OmnisegError) -> ResolveReport? in
            guard try index.serves(IdentityKeyIndex.fingerprint(options)),
                  let last = try db.rows("SELECT records, people FROM identity_generation ORDER BY generation DESC LIMIT 1").first,
                  let records = last[0].integer, let people = last[1].integer else { return nil }
            var model: MatchModel?
            if let match = options.probabilistic {
                guard case .incremental(let stored) = try MatchStore(workspace: workspace).run(for: match, scope: options.matchScope) else { return nil }
                model = stored
            }
            let totals = Totals(records: Int(records), people: Int(people))
            // Past a fifth of the base, one pass over everything beats a lookup per record.
            guard try index.changeCount() <= max(1_000, totals.records / 5) else { return nil }
            var report = ResolveReport()
            var phases = PhaseTimes()
            var closure = try phases.measure("changed part") { () throws(OmnisegError) in
                var closure = try PartClosure(self, index, workspace, pairs: model.map { ($0, options.probabilistic?.linkThreshold ?? 1) }, &report)
                try closure.close(&report)
                return closure
            }
            var part = closure.part()
            var matching: Matching?
            var found: PartMatch.Outcome?
            if let model, let match = options.probabilistic {
                // Match the changed part against its blocks; records newly linked to it join it.
                // (The part's own counts are those of the linking below, once the part is final.)
                let outcome = try phases.measure("match") { () throws(OmnisegError) in
                    var scratch = ResolveReport()
                    var (sets, _) = link(part.records, labels: try Self.labels(of: part.records, in: workspace), shared: part.shared, &scratch)
                    let reader = try RecordReader(db, defaultCountryCode: options.defaultCountryCode, matchFields: true)
                    return try PartMatch(options: match, model: model, db: db)
                        .run(part.records, roots: part.records.indices.map { sets.find($0) }, gone: part.before.gone.map(\.0), reader: reader,
                             resolver: self, &scratch)
                }
                for pair in outcome.pairs where pair.probability >= match.linkThreshold {
                    closure.add(pair.a)
                    closure.add(pair.b)
                }
                try closure.close(&report)
                part = closure.part()
                found = outcome
                report.matchRun = .incremental
                report.dirtyRecords = outcome.dirty.count
            }
            let labels = try Self.labels(of: part.records, in: workspace)
            var (union, rules) = link(part.records, labels: labels, shared: part.shared, &report)
            if let found, let model {
                let roots = part.records.indices.map { union.find($0) }
                let result = try found.result(over: part.records.map(\.key), model: model, options: options.probabilistic ?? MatchOptions(), db: db)
                matching = linkProbabilistically(part.records, result, roots: roots, labels: labels, &union, &rules, &report)
                matching?.candidates = found.compared
                report.candidatePairs = found.compared
                matching?.index = .part(found)
            }
            report.changedRecords = part.changed.count
            report.resolvedAgain = part.records.count + part.before.gone.count
            try phases.measure("write") { () throws(OmnisegError) in
                try write(part.records, union: &union, rules: rules, labels: labels, before: part.before, totalsBefore: totals, matching: matching,
                          &report, in: workspace)
                try index.clearChanges()
            }
            report.phases = phases
            return report
        }
    }
}
