import ArgumentParser
import Foundation
import JobRuntime
import OmnisegCore
import Recommend
import RecommendWorkspace

/// `omniseg recommend`: run the recommender (job kind recommend), or show one person's suggestions.
struct RecommendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend", abstract: "Cross-channel recommendations: item co-occurrence and cross-occurrence scored by log-likelihood ratio.",
        discussion: """
            Without --person: runs the recommend job on a feature set's people (their purchases, views and cart-adds up to its
            as-of date) and keeps item indicators and every person's top suggestions in the workspace (tables rec_item,
            rec_indicator, recommendation). `--channel online` recommends for the web shop from all behaviour (store purchases
            included), `--channel store` for the till. With --person: shows that person's suggestions from the newest run
            (or --run JOB); --explain adds the history items that led to each.

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
