import ArgumentParser
import Identity
import JobRuntime
import Matching
import OmnisegCore

struct ResolveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Join source records into people on e-mail, phone and loyalty id.",
        discussion: KindArguments.help(MatchJob.descriptor, intro: """
            Union-find over normalized e-mail (trimmed, lower-cased, +tag removed), loyalty id and E.164
            phone. After the first resolve, a resolve reads only the records changed since (new, changed,
            erased or labelled) and every record they link or linked to, and gives the people a resolve of
            every record gives (--full reads every record). A value carried by more than --max-records-per-key records links nothing; a phone that
            would join records with different e-mails, loyalty ids or birth dates (a household) links nothing.
            Person ids are stable: a person keeps its id when resolved again; when people merge the oldest
            id survives (the others are kept as merged into it), and when a person splits the largest part
            keeps the id. A resolve that changes who is who starts a new identity generation and records
            each merge and split in the table person_history. Feature sets (and all built on them) record
            the generation they were built on; an audience is exported only from a feature set of the
            current generation. Prints how people split over store and online channels.

            With --probabilistic, records the exact keys leave apart are matched on names, birth date and
            address (the job kind match: embedded on --threads threads, or on the workers with --redis,
            with the same result); the model and the pairs between the review and link thresholds are kept
            in the workspace: --review lists those pairs, `omniseg match explain A B` shows why a pair
            scores as it does, and `omniseg match label A B --same|--different` records a decision this
            command obeys from then on.

            The first probabilistic resolve fits the model (m, u and λ) and keeps a blocking index of every
            record. Later ones (say, after new files) read only the changed part and compare only the new
            and changed records, and records whose person under the exact keys changed, against that index,
            with the stored model: the work grows with what changed, and the people are those a full pass
            with that model gives (--full does that pass). Changing --max-block or --review-threshold makes a full pass; --refit fits a
            new model. With --redis, full passes run on the workers and incremental ones here.
            Its options and the exact keys' are these:
            """)
    )

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @OptionGroup var queue: QueueOptions
    @OptionGroup var tuning: CoordinatorTuning
    @Option(help: "Embedded mode: threads probabilistic matching uses (default: cores).") var threads: Int = CPUFeatures.cores
    @Flag(help: "Also match records the exact keys leave apart on names, birth date and address (Fellegi–Sunter, m and u estimated from the data).")
    var probabilistic = false
    @Flag(help: "Resolve with --probabilistic and list the pairs left for review, most probable first.") var review = false
    @Flag(help: "Read and link every record again (default: only the records changed since the last resolve and those they link to); with --probabilistic, also compare every candidate pair again, scored with the stored model.")
    var full = false
    @Flag(help: "With --probabilistic: fit a new model (m, u, λ) and compare every candidate pair.") var refit = false
    @Option(help: "With --review: list at most this many pairs.") var reviewLimit = 20
    @Flag(help: "Print each phase's wall-clock and CPU time (all threads) on standard error; with --redis also each iteration of the match job.")
    var timings = false
    @Option(help: ArgumentHelp("A ground truth to measure the people against: a CSV of source,source_id,entity_id (or person), or of pairs source_a,source_id_a,source_b,source_id_b.",
                               valueName: "file")) var truth: String?
    @Argument(parsing: .allUnrecognized, help: "The match kind's options (below).") var options: [String] = []

    func validate() throws {
        guard reviewLimit >= 1 else { throw ValidationError("--review-limit must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard !(full && refit) else { throw ValidationError("--full scores with the stored model and --refit fits a new one: give one of them") }
        guard probabilistic || review || !refit else { throw ValidationError("--refit is an option of --probabilistic matching") }
        // The queue's options come with --json; resolve has no JSON report yet.
        guard !queue.json else { throw ValidationError("resolve prints its report as text only; --json is not supported here") }
    }

    func run() throws {
        let workspace = try workspaceOptions.open()
        var parameters = try KindArguments.parameters(options, kind: MatchJob.descriptor, workspace: workspaceOptions)
        let job = try exiting { () throws(OmnisegError) in try MatchJob(parameters: parameters) }
        if refit && job.options.storedModel { throw ValidationError("--refit fits a new model and --stored-model keeps the stored one: give one of them") }
        let matching = probabilistic || review
        let scope: MatchScope = refit ? .refit : full || job.options.storedModel ? .allPairs : .incremental
        let options = ResolveOptions(maxRecordsPerKey: job.maxRecordsPerKey, defaultCountryCode: job.phoneCountry,
                                     probabilistic: matching ? job.options : nil, threads: threads, matchScope: scope, everyRecord: full)
        // The truth is read first: a bad truth file fails before anything changes.
        let truth = try exiting { () throws(OmnisegError) in try self.truth.map { path throws(OmnisegError) in try IdentityTruth.read(csvAt: path) } }
        var matches: MatchResult?
        let store = MatchStore(workspace: workspace)
        // New and changed records are compared here, against the stored index; every pair goes to the workers.
        let planned = try exiting { () throws(OmnisegError) in matching ? try store.plannedRun(for: job.options, scope: scope) : nil }
        if matching, planned != .incremental, try queue.endpoint() != nil {
            if planned == .storedModel, !job.options.storedModel {
                parameters = try KindArguments.parameters(self.options + ["--stored-model"], kind: MatchJob.descriptor, workspace: workspaceOptions)
            }
            let (_, result) = try JobExecution(workspace: workspaceOptions, queue: queue, tuning: tuning, threads: threads, timings: timings)
                .execute(MatchJob.name, parameters: parameters)
            matches = try exiting { () throws(OmnisegError) in try MatchResult(decoding: try MatchJob.resultBody(result)) }
        }
        let (report, overlap, measured, pending) = try failingCleanly { () throws(OmnisegError) in
            let report = try IdentityResolver(options: options).resolve(workspace, matches: matches)
            let measured = try truth.map { truth throws(OmnisegError) in
                let (quality, missing) = try truth.quality(of: workspace)
                return ResolveSummary.truth(quality, baseline: try truth.emailOnlyBaseline(of: workspace), missing: missing)
            }
            let pending = review ? try MatchStore(workspace: workspace).review(limit: reviewLimit) : nil
            var phases = report.phases
            let overlap = try phases.measure("channel overlap") { () throws(OmnisegError) in try ChannelOverlap.compute(workspace) }
            if timings { StandardError.write(phases.lines.joined(separator: "\n") + "\n") }
            return (report, overlap, measured, pending)
        }
        print(ResolveSummary.text(report))
        if !matching, try exiting({ () throws(OmnisegError) in try store.hasModel() }) {
            print("  note: this workspace was resolved with --probabilistic before; this resolve used the exact keys only, so the people "
                  + "matching joined are apart again. Resolve with --probabilistic to match (only new and changed records are compared).")
        }
        if let pending {
            print("")
            print(ResolveSummary.review(pending.pairs, total: pending.total))
        }
        if let measured, let path = self.truth {
            print("")
            print("against \(path):")
            print(measured)
        }
        print("")
        print(overlap.table)
    }
}

/// The printed summary of a resolution.
enum ResolveSummary {
    /// Pairwise precision, recall and F1 against a truth, beside the e-mail-only baseline.
    static func truth(_ q: LinkageQuality, baseline b: LinkageQuality, missing: Int) -> String {
        func row(_ name: String, _ q: LinkageQuality) -> String {
            name.rightPadded(22) + Format.fixed(q.precision, 4).leftPadded(10) + Format.fixed(q.recall, 4).leftPadded(10)
                + Format.fixed(q.f1, 4).leftPadded(10) + Format.count(q.people).leftPadded(12)
        }
        var lines = ["".rightPadded(22) + "precision".leftPadded(10) + "recall".leftPadded(10) + "F1".leftPadded(10) + "people".leftPadded(12),
                     row("omniseg", q), row("e-mail only (baseline)", b),
                     "  \(Format.count(q.records)) records evaluated, \(Format.count(q.entities)) true entities; pairs: \(Format.count(q.correctPairs)) "
                         + "correct of \(Format.count(q.predictedPairs)) linked, \(Format.count(q.truePairs)) true"]
        if missing > 0 { lines.append("  \(Format.count(missing)) records of the truth are not in the workspace (left out)") }
        return lines.joined(separator: "\n")
    }

    /// The review band: each pair with its probability and weight, and how to look closer.
    static func review(_ pairs: [ReviewPair], total: Int) -> String {
        guard !pairs.isEmpty else { return "no pairs left for review" }
        var lines = ["pairs for review (\(Format.count(pairs.count)) of \(Format.count(total)), most probable first):",
                     "probability".leftPadded(12) + "weight".leftPadded(9) + "  record A".rightPadded(28) + "record B"]
        for p in pairs {
            lines.append(MatchExplanation.probabilityText(p.probability).leftPadded(12) + Format.fixed(p.weight, 2).leftPadded(9) + "  "
                         + p.a.description.rightPadded(26) + p.b.description)
        }
        lines.append("explain one: omniseg match explain A B; decide: omniseg match label A B --same|--different")
        return lines.joined(separator: "\n")
    }

    static func text(_ r: ResolveReport) -> String {
        var lines = ["\(Format.count(r.records)) source records → \(Format.count(r.people)) people"]
        if r.changedRecords == 0 {
            lines.append("  nothing changed since the last resolve (--full reads every record)")
        } else if let changed = r.changedRecords {
            lines.append("  incremental: \(Format.count(changed)) records changed since the last resolve; \(Format.count(r.resolvedAgain)) resolved again "
                         + "with every record they link or linked to (the counts below are theirs; --full reads every record)")
        }
        if r.bareRecords > 0 { lines.append("  \(Format.count(r.bareRecords)) ids appear only in transactions or events (no customer record)") }
        for (rule, n) in r.linkedBy.sorted(by: { $0.key < $1.key }) { lines.append("  linked by \(rule): \(Format.count(n)) records") }
        for (kind, n) in r.unusable.sorted(by: { $0.key < $1.key }) { lines.append("  unusable \(kind) values: \(Format.count(n))") }
        for (kind, n) in r.sharedKeys.sorted(by: { $0.key < $1.key }) { lines.append("  shared \(kind) values ignored: \(Format.count(n))") }
        if r.conflictingPhones > 0 { lines.append("  phones not used (they join conflicting records): \(Format.count(r.conflictingPhones))") }
        if let run = r.matchRun {
            let compared = run == .incremental
                ? "\(Format.count(r.dirtyRecords)) new or changed records, \(Format.count(r.candidatePairs)) pairs compared"
                : "\(Format.count(r.candidatePairs)) candidate pairs"
            lines.append("  probabilistic (\(run.rawValue)): \(compared), \(Format.count(r.matchedPairs)) linked, "
                         + "\(Format.count(r.reviewPairs)) for review, \(Format.count(r.refusedMatches)) refused (conflicting or too large)")
        }
        if r.labelledSame > 0 || r.labelRefused > 0 {
            lines.append("  labels: \(Format.count(r.labelledSame)) pairs linked as labelled the same, \(Format.count(r.labelRefused)) links refused as labelled different")
        }
        for (a, b) in r.labelConflicts.prefix(10) {
            lines.append("  warning: \(a) and \(b) are labelled different people but the exact keys join them")
        }
        if r.labelConflicts.count > 10 { lines.append("  … and \(Format.count(r.labelConflicts.count - 10)) more pairs labelled different that the exact keys join") }
        lines.append("identity generation \(r.generation): \(Format.count(r.created)) new people, \(Format.count(r.merged)) merged into older ids, "
                     + "\(Format.count(r.split)) splits (table person_history)")
        return lines.joined(separator: "\n")
    }
}
