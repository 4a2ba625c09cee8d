import ArgumentParser
import Churn
import ChurnWorkspace
import FeatureStore
import Foundation
import JobKinds
import JobRuntime
import OmnisegCore
import Workspace

/// `omniseg churn`: train, score, evaluate and explain churn-risk models.
struct ChurnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "churn", abstract: "Churn risk: a random forest trained on a past cut-off, scored on today's features.",
        discussion: """
            Train on a feature set built as of a past date (`omniseg features --as-of DATE`): a person churned when they made no \
            purchase in the --horizon-days after it. Then build current features and score them. Models and scores are kept in \
            the workspace (tables churn_model, churn_score). Jobs run embedded without Redis, or on workers with --redis.
            """,
        subcommands: [Train.self, Score.self, Evaluate.self, Explain.self, Models.self])

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a churn model (job kind churn-train) and store it in the workspace.",
            discussion: KindArguments.help(ChurnTrainJob.descriptor,
                                           intro: "Prints the model's out-of-bag and held-out AUC, lift, calibration and feature importances."))

        @OptionGroup var job: ForegroundJob
        @Argument(parsing: .allUnrecognized, help: "The job kind's options (below).") var options: [String] = []

        func run() throws { try job.run(ChurnTrainJob.descriptor, options) }
    }

    struct Score: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score every person with a churn model (job kind churn-score): probability and risk tier, kept in churn_score.",
            discussion: KindArguments.help(ChurnScoreJob.descriptor, intro: "`omniseg result JOB --csv` exports person_id,probability,tier."))

        @OptionGroup var job: ForegroundJob
        @Argument(parsing: .allUnrecognized, help: "The job kind's options (below).") var options: [String] = []

        func run() throws { try job.run(ChurnScoreJob.descriptor, options) }
    }

    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate a churn model on labelled people of a feature set (job kind churn-evaluate), beside recency and a logistic regression.",
            discussion: """
                With --train-until and --test-until: a held-out-time evaluation from scratch. With H the days between them, a model \
                is trained (job kind churn-train, with its options below) on features as of H days before --train-until, labelled \
                by purchases in the H days up to --train-until; then it is evaluated on features as of --train-until, labelled by \
                purchases from the day after to the end of --test-until — beside ranking by recency alone and the logistic \
                regression fitted with the model, on the same people. Without them: evaluates a stored model (job kind \
                churn-evaluate, options below) on a feature set; use one with a later as-of date than training's to see how the \
                model holds up over time.

                """ + KindArguments.help(ChurnEvaluateJob.descriptor) + "\n\n" + KindArguments.help(ChurnTrainJob.descriptor))

        @OptionGroup var split: TimeSplitOptions
        @OptionGroup var job: ForegroundJob
        @Argument(parsing: .allUnrecognized, help: "The job kind's options (below).") var options: [String] = []

        func run() throws {
            guard split.isGiven else {
                // A stored model on a feature set: --feature-set (parsed with the split's options) is the job's.
                return try job.run(ChurnEvaluateJob.descriptor, options + (split.featureSet.map { ["--feature-set", "\($0)"] } ?? []))
            }
            let workspace = try job.workspace.open()
            let given = try KindArguments.parameters(options, kind: ChurnTrainJob.descriptor, workspace: job.workspace)
            guard given[ChurnParameters.labels.name] == nil else {
                throw ValidationError("--labels gives its own labels; with --train-until and --test-until the labels are the purchases in each window")
            }
            var training = try split.parameters(given, window: ChurnParameters.horizon, kind: ChurnTrainJob.descriptor, in: workspace)
            let days = try split.testDays
            // Training: features H days before the split, labels from the H days up to it.
            training[CommonParameters.featureSet.name] = "\(try split.featureSetID(in: workspace, asOfDay: try split.trainDay - Int64(days)))"
            let (trainJob, _) = try job.execute(ChurnTrainJob.name, parameters: training)
            let modelID = try exiting { () throws(OmnisegError) -> Int64 in
                guard let id = try ChurnStore(workspace: workspace).modelID(ofJob: trainJob) else {
                    throw OmnisegError(.notFound, "churn-train job \(trainJob) stored no model")
                }
                return id
            }
            var evaluation = JobParameters()
            evaluation[CommonParameters.featureSet.name] = "\(try split.featureSetID(in: workspace))"
            evaluation[ChurnParameters.model.name] = "\(modelID)"
            evaluation[ChurnParameters.horizon.name] = "\(days)"
            if let channel = given[ChurnParameters.channel.name] { evaluation[ChurnParameters.channel.name] = channel }
            let (id, result) = try job.execute(ChurnEvaluateJob.name, parameters: evaluation)
            if job.quiet { print(id); return }
            let text = try exiting { () throws(OmnisegError) in try JobKindRegistry.render(ChurnEvaluateJob.name, result: result, json: job.queue.json) }
            if !job.queue.json {
                print("job \(id): churn model \(modelID) (job \(trainJob)) trained on the \(days) days up to \(split.trainUntil ?? ""), "
                      + "evaluated on the \(days) days after it")
            }
            print(text, terminator: "")
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
