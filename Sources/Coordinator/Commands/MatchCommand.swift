import ArgumentParser
import Identity
import Matching
import OmnisegCore

/// `omniseg match`: why two records are (or are not) one person, and people's decisions on pairs.
struct MatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Explain and correct probabilistic matching.",
        discussion: """
            Records are named SOURCE:ID (the source and source_id columns of the customer file), e.g. pos:C1042.
            `explain` uses the model of the last `omniseg resolve --probabilistic`; `label` stores a decision
            that overrides the model from the next resolve on.
            """,
        subcommands: [MatchExplainCommand.self, MatchLabelCommand.self]
    )
}

struct MatchExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show how the matcher scores two records: each field's level and weight, the total and the probability.",
        discussion: """
            A waterfall from the prior (the share of candidate pairs that match, as a weight) through each field:
            log2(m/u) of the field's comparison level, where m is how often true matches compare so and u how often
            random pairs do. A field either record lacks adds nothing. The total weight gives the probability, and
            the thresholds of that resolve the decision: link, review or none. A label overrides it.
            """
    )

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @Argument(help: ArgumentHelp("The first record.", valueName: "SOURCE:ID")) var a: String
    @Argument(help: ArgumentHelp("The second record.", valueName: "SOURCE:ID")) var b: String
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let workspace = try workspaceOptions.open()
        let output = try failingCleanly { () throws(OmnisegError) -> String in
            let keys = (try RecordKey(parsing: a), try RecordKey(parsing: b))
            let store = MatchStore(workspace: workspace)
            guard let stored = try store.model() else {
                throw OmnisegError(.precondition, "no match model in this workspace yet: run `omniseg resolve --probabilistic` first")
            }
            guard let first = try store.record(keys.0) else { throw OmnisegError(.notFound, "no customer record \(keys.0) in the workspace") }
            guard let second = try store.record(keys.1) else { throw OmnisegError(.notFound, "no customer record \(keys.1) in the workspace") }
            let explanation = MatchExplanation(first.record, second.record, model: stored.model, linkThreshold: stored.linkThreshold,
                                               reviewThreshold: stored.reviewThreshold, label: try store.label(of: keys.0, keys.1))
            func person(_ r: (record: MatchRecord, person: Int64?, rule: String?)) -> String {
                r.person.map { "person \($0)" + (r.rule.map { $0 == "single" ? "" : ", linked by \($0)" } ?? "") } ?? "not resolved yet"
            }
            if json {
                return "{\"a\":\(JSONText.quoted(keys.0.description)),\"b\":\(JSONText.quoted(keys.1.description)),"
                    + "\"person_a\":\(first.person.map(String.init) ?? "null"),\"person_b\":\(second.person.map(String.init) ?? "null"),"
                    + "\"link_threshold\":\(JSONText.number(stored.linkThreshold)),\"review_threshold\":\(JSONText.number(stored.reviewThreshold)),"
                    + "\"explanation\":\(explanation.json)}"
            }
            let same = first.person != nil && first.person == second.person
            return ["A \(keys.0) (\(person(first)))", "B \(keys.1) (\(person(second)))", "",
                    explanation.text,
                    "thresholds of the last probabilistic resolve (generation \(stored.generation)): link ≥ \(stored.linkThreshold), review ≥ \(stored.reviewThreshold)",
                    same ? "now: one person" : "now: different people"].joined(separator: "\n")
        }
        print(output)
    }
}

struct MatchLabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "label",
        abstract: "Record that two records are the same person or different people; the next resolve obeys it.",
        discussion: """
            --same links the two records' people in every later resolve, whatever the model or the key guards say.
            --different keeps probabilistic matching from joining their people (the exact keys still join them:
            resolve then lists the pair as a conflict). A new label on the same pair replaces the old one, and
            a labelled pair leaves the review list.
            """
    )

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @Argument(help: ArgumentHelp("The first record.", valueName: "SOURCE:ID")) var a: String
    @Argument(help: ArgumentHelp("The second record.", valueName: "SOURCE:ID")) var b: String
    @Flag(help: "The two records are one person.") var same = false
    @Flag(help: "The two records are different people.") var different = false

    func validate() throws {
        guard same != different else { throw ValidationError("give exactly one of --same and --different") }
    }

    func run() throws {
        let workspace = try workspaceOptions.open()
        let keys = try failingCleanly { () throws(OmnisegError) in
            let keys = (try RecordKey(parsing: a), try RecordKey(parsing: b))
            try MatchStore(workspace: workspace).label(keys.0, keys.1, same: same)
            return keys
        }
        print("labelled \(keys.0) and \(keys.1) \(same ? "the same person" : "different people"); the next `omniseg resolve` applies it")
    }
}
