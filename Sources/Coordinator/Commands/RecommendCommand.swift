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
            """)

    @Option(help: "Show this person's suggestions (from a finished run) instead of running.") var person: Int64?
    @Flag(help: "With --person: list the history items behind each suggestion.") var explain = false
    @Option(name: .customLong("run"), help: ArgumentHelp("With --person: the recommend job to read (default: the newest).", valueName: "job")) var runID: String?

    @Option(help: "Target purchases: any, store or online.") var channel: String?
    @Option(help: "item (SKU) or department.") var level: String?
    @Option(help: "Only interactions in this many days before the as-of date.") var withinDays: Int?
    @Option(help: "Suggestions per person.") var count: Int?
    @Flag(help: "Suggest what people already bought too, blending in their own purchase frequency (groceries, consumables).") var repeats = false
    @Option(help: "With --repeats: the share of the score that is the person's own purchase frequency (0 to 1).") var repeatWeight: Double?
    @Option(help: "Indicators kept per item and history kind.") var top: Int?
    @Option(help: "Minimum log-likelihood ratio of a kept indicator.") var minLlr: Double?
    @Option(help: "Weight of purchase, view and cart-add histories, e.g. 1,0.5,0.7.") var weights: String?
    @Option(help: "Most recent distinct items per history kind a person is scored from.") var recent: Int?
    @Option(help: "Interactions per person counted at most (longer histories are downsampled, seeded).") var maxHistory: Int?
    @Option(help: "People per item counted at most (seeded downsampling of the most popular items).") var itemCap: Int?
    @Option(help: "Share of an item's base rate (share of buyers) counted per history item, 0 to 100 (default 0.3).") var popularityWeight: Double?
    @Option(help: "Evaluate on the purchases in this many days after the feature set's as-of date: precision, recall and MAP against popularity.")
    var holdoutDays: Int?
    @Option(help: "Targets one history item can lift when scoring a person: its strongest indicator links (default 200).") var fanOut: Int?
    @Option(help: "Seed of the downsampling.") var seed: Int?
    @Option(help: "The feature set whose people and as-of date to use (default: the one with the latest as-of day).") var featureSet: Int?
    @OptionGroup var job: ForegroundJob

    func run() throws {
        if let person {
            try show(person)
            return
        }
        var p = JobParameters()
        if let channel { p["channel"] = channel }
        if let level { p["level"] = level }
        if let withinDays { p["within_days"] = "\(withinDays)" }
        if let count { p["n"] = "\(count)" }
        if repeats { p["repeats"] = "1" }
        if let repeatWeight { p["repeat_weight"] = "\(repeatWeight)" }
        if let top { p["top"] = "\(top)" }
        if let minLlr { p["min_llr"] = "\(minLlr)" }
        if let weights {
            let parts = weights.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 3 else { throw ValidationError("--weights takes three numbers: purchase,view,cart-add (got '\(weights)')") }
            (p["weight_purchase"], p["weight_view"], p["weight_cart"]) = (parts[0], parts[1], parts[2])
        }
        if let recent { p["recent"] = "\(recent)" }
        if let maxHistory { p["max_history"] = "\(maxHistory)" }
        if let itemCap { p["item_cap"] = "\(itemCap)" }
        if let popularityWeight { p["popularity_weight"] = "\(popularityWeight)" }
        if let holdoutDays { p["holdout_days"] = "\(holdoutDays)" }
        if let fanOut { p["fan_out"] = "\(fanOut)" }
        if let seed { p["seed"] = "\(seed)" }
        if let featureSet { p[JobParameters.featureSetName] = "\(featureSet)" }
        try job.run(RecommendJob.name, parameters: p)
    }

    private func show(_ person: Int64) throws {
        let ws = try job.workspace.open()
        let text = try failingCleanly { () throws(OmnisegError) -> String in
            let (jobID, result) = try RecommendStore(workspace: ws).result(jobID: runID)
            guard person >= 1, person <= Int64(result.people) else {
                throw OmnisegError(.notFound, "no person \(person) in recommend run \(jobID) (ids run 1 to \(result.people))")
            }
            if explain {
                let builder = InteractionBuilder(level: result.catalog.level, withinDays: result.options.withinDays)
                let history = try builder.history(ofPerson: person, in: ws, asOf: result.asOf, catalog: result.catalog)
                return "run \(jobID), as of \(CivilDate.isoDate(unixSeconds: result.asOf))\n"
                    + RecommendExplanation(result: result, person: person, history: history).text(result.catalog)
            }
            var out = "run \(jobID): person \(person)\n"
            for (rank, s) in result.suggestions(row: Int(person) - 1).enumerated() {
                out += "  \(rank + 1). \(result.catalog.names[s.item]) (\(result.catalog.department(of: s.item)))"
                    + (s.backfill ? " — popular\n" : " score \(Format.fixed(Double(s.score), 1))\n")
            }
            return out
        }
        print(text, terminator: "")
    }
}
