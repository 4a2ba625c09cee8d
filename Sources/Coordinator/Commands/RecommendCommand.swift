import ArgumentParser
import Foundation
import JobRuntime
import OmnisegCore
import Recommend
import RecommendWorkspace

/// `omniseg recommend`: run the recommender (job kind recommend) or show one person's suggestions
/// (``Run``, the default), or measure it on held-out time (``Evaluate``).
struct RecommendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend", abstract: "Cross-channel recommendations: item co-occurrence and cross-occurrence scored by log-likelihood ratio.",
        subcommands: [Run.self, Evaluate.self], defaultSubcommand: Run.self)

    /// `omniseg recommend [run]`: the recommend job, or one person's suggestions with --person.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the recommender, or show one person's suggestions (the default: `omniseg recommend …` is `omniseg recommend run …`).",
            discussion: """
                Without --person: runs the recommend job on a feature set's people (their purchases, views and cart-adds up to its \
                as-of date) and keeps item indicators and every person's top suggestions in the workspace (tables rec_item, \
                rec_indicator, recommendation). `--channel online` recommends for the web shop from all behaviour (store purchases \
                included), `--channel store` for the till. With --person: shows that person's suggestions from the newest run \
                (or --run JOB); --explain adds the history items that led to each. `omniseg recommend evaluate` measures the \
                recommendations on held-out time beside two baselines.

                """ + KindArguments.help(RecommendJob.descriptor))

        @Option(help: "Show this person's suggestions (from a finished run) instead of running.") var person: Int64?
        @Flag(help: "With --person: list the history items behind each suggestion.") var explain = false
        @Option(name: .customLong("run"), help: ArgumentHelp("With --person: the recommend job to read (default: the newest).", valueName: "job")) var runID: String?

        @OptionGroup var job: ForegroundJob
        @Argument(parsing: .allUnrecognized, help: "The job kind's options (below).") var options: [String] = []

        func run() throws {
            if let person {
                try show(person)
                return
            }
            try job.run(RecommendJob.descriptor, options)
        }

        private func show(_ person: Int64) throws {
            let ws = try job.workspace.open()
            let text = try failingCleanly { () throws(OmnisegError) -> String in
                let (jobID, result, people) = try RecommendStore(workspace: ws).result(jobID: runID)
                guard let row = people.row(ofID: person) else {
                    throw OmnisegError(.notFound, "no person \(person) in recommend run \(jobID) (\(Format.count(result.people)) people, ids \(people.ids.first ?? 0) to \(people.ids.last ?? 0))")
                }
                if explain {
                    let builder = InteractionBuilder(level: result.catalog.level, withinDays: result.options.withinDays)
                    let history = try builder.history(ofPerson: person, row: row, in: ws, asOf: result.asOf, catalog: result.catalog)
                    return "run \(jobID), as of \(CivilDate.isoDate(unixSeconds: result.asOf))\n"
                        + RecommendExplanation(result: result, person: person, history: history).text(result.catalog)
                }
                var out = "run \(jobID): person \(person)\n"
                for (rank, s) in result.suggestions(row: row).enumerated() {
                    out += "  \(rank + 1). \(result.catalog.names[s.item]) (\(result.catalog.department(of: s.item)))"
                        + (s.backfill ? " — popular\n" : " score \(Format.fixed(Double(s.score), 1))\n")
                }
                return out
            }
            print(text, terminator: "")
        }
    }

    /// `omniseg recommend evaluate`: the recommend job on features as of --train-until, scored on the
    /// purchases up to --test-until, beside popularity and own-history-then-popularity.
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure recommendations on held-out time beside the popularity and own-history baselines.",
            discussion: """
                Builds features as of the end of --train-until (or uses --feature-set), runs the recommend job on them \
                and compares each person's top N (--count, default 10) with their target purchases from the day after \
                --train-until to the end of --test-until: precision, recall, NDCG and MAP at N, over everyone who bought \
                and over those who bought something new to them, for omniseg and two baselines Omniseg computes itself — \
                the most popular items, and the person's own most-bought items, then the most popular. Coverage is the \
                share of the catalogue suggested to anyone; top-1% share the share of suggestions among the top 1% of \
                items by buyers. The last line says how our precision compares with the better baseline's. Without \
                --popularity-damping (and with --repeats, without --repeat-weight), those are chosen first on a validation \
                slice of the training period — features one test window before --train-until, purchases in the window up to \
                it; the best P@10 on all purchases among \
                \(ValidationChoice.popularityDampingGrid.map { Format.fixed($0, 2) }.joined(separator: ", ")) (damping) and \
                \(ValidationChoice.repeatWeightGrid.map { Format.fixed($0, 2) }.joined(separator: ", ")) (repeat weight) — never on \
                the test window; pass the values chosen to `recommend run` for the same blend.

                """ + KindArguments.help(RecommendJob.descriptor))

        @OptionGroup var split: TimeSplitOptions
        @OptionGroup var job: ForegroundJob
        @Argument(parsing: .allUnrecognized, help: "The job kind's options (below).") var options: [String] = []

        func run() throws {
            guard split.isGiven else { throw ValidationError("recommend evaluate needs --train-until and --test-until") }
            let given = try KindArguments.parameters(options, kind: RecommendJob.descriptor, workspace: job.workspace)
            let workspace = try job.workspace.open()
            var parameters = try split.parameters(given, window: RecommendParameters.holdoutDays, kind: RecommendJob.descriptor, in: workspace)
            // The test set first: a --feature-set that does not match the split is refused before anything runs.
            let setID = try split.featureSetID(in: workspace)
            // Blend parameters not given are chosen on a validation slice before the split.
            let damping = RecommendParameters.popularityDamping.name, weight = RecommendParameters.repeatWeight.name
            let repeats = given[RecommendParameters.repeats.name] == "1"
            var validation: ValidationChoice?
            if given[damping] == nil || (repeats && given[weight] == nil) {
                var choice = try ValidationChoice(split: split, workspace: workspace)
                if given[damping] == nil {
                    parameters = try choice.choose(damping, grid: ValidationChoice.popularityDampingGrid, parameters: parameters, job: job)
                }
                if repeats && given[weight] == nil {
                    parameters = try choice.choose(weight, grid: ValidationChoice.repeatWeightGrid, parameters: parameters, job: job)
                }
                validation = choice
            }
            parameters[CommonParameters.featureSet.name] = "\(setID)"
            let (id, bytes) = try job.execute(RecommendJob.name, parameters: parameters)
            if job.quiet { print(id); return }
            let result = try exiting { () throws(OmnisegError) in try RecommendResult(decoding: try RecommendJob.resultBody(bytes)) }
            guard let evaluation = result.evaluation else { throw ValidationError("the recommend job \(id) returned no evaluation") }
            if job.queue.json {
                print(JSONText.object([("job", JSONText.quoted(id)), ("feature_set", "\(setID)"), ("train_until", JSONText.quoted(split.trainUntil ?? "")),
                                       ("test_until", JSONText.quoted(split.testUntil ?? "")), ("validation", validation?.json ?? "null"),
                                       ("evaluation", evaluation.json)]))
            } else {
                print("job \(id): recommendations from feature set \(setID), \(Format.count(result.people)) people, \(Format.count(result.catalog.count)) items")
                if let validation { print(validation.text, terminator: "") }
                print(evaluation.text(asOf: result.asOf), terminator: "")
            }
        }
    }
}
