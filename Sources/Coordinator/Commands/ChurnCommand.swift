import ArgumentParser
import Churn
import ChurnWorkspace
import FeatureStore
import Foundation
import JobRuntime
import OmnisegCore
import Workspace

/// `omniseg churn`: train, score, evaluate and explain churn-risk models.
struct ChurnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "churn", abstract: "Churn risk: a random forest trained on a past cut-off, scored on today's features.",
        discussion: """
            Train on a feature set built as of a past date (`omniseg features --as-of DATE`): a person churned when they made no
            purchase in the --horizon-days after it. Then build current features and score them. Models and scores are kept in
            the workspace (tables churn_model, churn_score). Jobs run embedded without Redis, or on workers with --redis.
            """,
        subcommands: [Train.self, Score.self, Evaluate.self, Explain.self, Models.self])

    /// Label options shared by `train` and `evaluate`.
    struct LabelOptions: ParsableArguments {
        @Option(help: "Days after the feature set's as-of date in which no purchase means churned (default 90; evaluate: the model's).")
        var horizonDays: Int?
        @Option(help: "Count only purchases in this channel: any, online, store, web, app (default any; evaluate: the model's).")
        var channel: String?
        @Option(help: ArgumentHelp("Labels from a CSV with columns person_id,label (1 = churned) instead of the holdout window.", valueName: "file"))
        var labels: String?

        func apply(to parameters: inout JobParameters, workspace: WorkspaceOptions) throws {
            if let horizonDays { parameters["horizon_days"] = "\(horizonDays)" }
            if let channel { parameters["channel"] = channel }
            if let labels {
                let ws = try workspace.open()
                let set = try failingCleanly { () throws(OmnisegError) in try ChurnStore(workspace: ws).importLabels(csvAt: labels) }
                StandardError.write("imported label set \(set.id): \(Format.count(set.people)) people, \(Format.count(set.churned)) churned\n")
                parameters["labels"] = "\(set.id)"
            }
        }
    }

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a churn model (job kind churn-train) and store it in the workspace.",
            discussion: "Prints the model's out-of-bag and held-out AUC, lift, calibration and feature importances.")

        @OptionGroup var labelOptions: LabelOptions
        @Option(help: "Trees in the forest.") var trees: Int?
        @Option(help: "Maximum tree depth.") var depth: Int?
        @Option(help: "Minimum (bootstrap- and class-weighted) samples per leaf.") var minLeaf: Double?
        @Option(help: "Features tried at each split (default: √features).") var featuresPerSplit: Int?
        @Option(help: "Weight of churned people: none, balanced, or a number.") var classWeight: String?
        @Option(help: "Share of labelled people held out for evaluation (0 to 0.9).") var holdout: Double?
        @Option(help: "Bins per feature (2 to 256).") var bins: Int?
        @Option(help: "Seed of the bootstrap, feature draws and holdout.") var seed: Int?
        @Option(help: "The feature set to train on (default: the one with the latest as-of day).") var featureSet: Int?
        @OptionGroup var job: ForegroundJob

        func run() throws {
            var p = JobParameters()
            try labelOptions.apply(to: &p, workspace: job.workspace)
            if let trees { p["trees"] = "\(trees)" }
            if let depth { p["depth"] = "\(depth)" }
            if let minLeaf { p["min_leaf"] = "\(minLeaf)" }
            if let featuresPerSplit { p["features_per_split"] = "\(featuresPerSplit)" }
            if let classWeight { p["class_weight"] = classWeight }
            if let holdout { p["holdout"] = "\(holdout)" }
            if let bins { p["bins"] = "\(bins)" }
            if let seed { p["seed"] = "\(seed)" }
            if let featureSet { p[JobParameters.featureSetName] = "\(featureSet)" }
            try job.run(ChurnTrainJob.name, parameters: p)
        }
    }

    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score every person with a churn model (job kind churn-score): probability and risk tier, kept in churn_score.",
            discussion: "`omniseg result JOB --csv` exports person_id,probability,tier.")

        @Option(help: "The model (default: the one with the latest as-of day).") var model: Int?
        @Option(help: "Risk tier cut-points, ascending probabilities (default 0.3,0.6: low, medium, high).") var tiers: String?
        @Option(help: "The feature set to score (default: the one with the latest as-of day).") var featureSet: Int?
        @OptionGroup var job: ForegroundJob

        func run() throws {
            var p = JobParameters()
            if let model { p["model"] = "\(model)" }
            if let tiers { p["tiers"] = tiers }
            if let featureSet { p[JobParameters.featureSetName] = "\(featureSet)" }
            try job.run(ChurnScoreJob.name, parameters: p)
        }
    }

    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate a churn model on labelled people of a feature set (job kind churn-evaluate).",
            discussion: "Use a feature set with a later as-of date than training's to see how the model holds up over time.")

        @Option(help: "The model (default: the one with the latest as-of day).") var model: Int?
        @OptionGroup var labelOptions: LabelOptions
        @Option(help: "The feature set to evaluate on (default: the one with the latest as-of day).") var featureSet: Int?
        @OptionGroup var job: ForegroundJob

        func run() throws {
            var p = JobParameters()
            if let model { p["model"] = "\(model)" }
            try labelOptions.apply(to: &p, workspace: job.workspace)
            if let featureSet { p[JobParameters.featureSetName] = "\(featureSet)" }
            try job.run(ChurnEvaluateJob.name, parameters: p)
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the features that drove one person's churn score.",
            discussion: "Per feature, how much the splits on it moved the person's prediction, averaged over the trees.")

        @Option(help: "The person's id (as in churn_score and result exports).") var person: Int64
        @Option(help: "The model (default: the one with the latest as-of day).") var model: Int?
        @Option(help: "The feature set to read the person from (default: the one with the latest as-of day).") var featureSet: Int?
        @Option(help: "Features to list.") var top = 10
        @Option(help: "Risk tier cut-points.") var tiers = "0.3,0.6"
        @OptionGroup var workspace: WorkspaceOptions

        func run() throws {
            let ws = try workspace.open()
            let text = try failingCleanly { () throws(OmnisegError) -> String in
                let tiers = try RiskTiers(parsing: tiers)
                let matrix = try FeatureStore(workspace: ws).load(setID: featureSet.map(Int64.init))
                guard person >= 1, person <= Int64(matrix.rowCount) else {
                    throw OmnisegError(.notFound, "no person \(person) in feature set \(matrix.setID) (ids run 1 to \(matrix.rowCount))")
                }
                let (_, stored, columns) = try ChurnScoring.load(in: ws, matrix: matrix, modelID: model.map(Int64.init))
                let values = columns.map { matrix.value(row: Int(person) - 1, column: $0) }
                let explanation = ChurnExplanation(model: stored, values: values)
                return explanation.text(person: person, tier: tiers.names[tiers.tier(of: Float(explanation.probability))], limit: max(1, top))
            }
            print(text, terminator: "")
        }
    }

    struct Models: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the churn models stored in the workspace.")
        @OptionGroup var workspace: WorkspaceOptions

        func run() throws {
            let ws = try workspace.open()
            let rows = try failingCleanly { () throws(OmnisegError) in try ChurnStore(workspace: ws).models() }
            print("model  job         trained (UTC)  feature set  trees  OOB AUC  held-out AUC")
            for r in rows {
                let auc = { (v: SQLiteValue) in v.real.map { Format.fixed($0, 4) } ?? "–" }
                print(String(r[0].integer ?? 0).padding(toLength: 7, withPad: " ", startingAt: 0)
                      + (r[1].text ?? "").padding(toLength: 12, withPad: " ", startingAt: 0)
                      + CivilDate.isoDate(unixSeconds: r[2].integer ?? 0).padding(toLength: 15, withPad: " ", startingAt: 0)
                      + String(r[3].integer ?? 0).padding(toLength: 13, withPad: " ", startingAt: 0)
                      + String(r[4].integer ?? 0).padding(toLength: 7, withPad: " ", startingAt: 0)
                      + auc(r[5]).padding(toLength: 9, withPad: " ", startingAt: 0) + auc(r[6]))
            }
        }
    }
}
