@testable import Churn
@testable import ChurnWorkspace
@testable import FeatureStore
@testable import Features
@testable import Forest
import Foundation
@testable import Ingest
@testable import JobRuntime
@testable import OmnisegCore
@testable import TestSupport
import Testing
@testable import Workspace
@testable import WorkspaceJobs

/// The churn job kinds on generated customers, embedded.
@Suite(.serialized) struct ChurnJobTests {


    private func run(_ kind: any JobKind, _ workspace: Workspace, _ matrix: FeatureMatrix, threads: Int) throws -> [UInt8] {
        try kind.resultBody(JobDriver(jobID: "t", kind: kind, shardCount: matrix.shards.count)
            .run(transport: InProcessTransport(kind: kind, shards: matrix.shards, threads: threads), checkpoints: MemoryCheckpoints(),
                 firstState: { () throws(OmnisegError) in try WorkspaceJobs.prepare(kind, in: workspace, matrix: matrix).state }))
    }

    @Test func theForestPredictsChurnOnHeldOutPeopleAndIsTheSameWhateverTheThreads() throws {
        let dir = TemporaryDirectory()
        let (workspace, setID) = try Fixtures.trainingWorkspace(dir)
        let matrix = try FeatureStore(workspace: workspace).load(setID: setID)
        let parameters = JobParameters(["trees": "40", "holdout": "0.4", "seed": "7"])
        let job = try ChurnTrainJob(columnNames: matrix.names, parameters: parameters)
        let bytes = try run(job, workspace, matrix, threads: 1)
        #expect(try run(job, workspace, matrix, threads: 3) == bytes, "the forest does not depend on how many threads grow it")
        let model = try ChurnModel(decoding: bytes)
        #expect(model.forest.trees.count == 40 && model.featureSetID == setID)
        #expect(model.holdout.people > 600 && model.trainingRows > 1000)

        // The generator churns people by persona and slows their buying before they stop; recency
        // alone already ranks them well. The forest must do at least as well, on people it never saw.
        let labels = try ChurnLabels.compute(workspace, cutoff: matrix.asOf, horizonDays: 90)
        let heldOut = labels.eligible.indices.filter { labels.eligible[$0] && ChurnTraining.isHeldOut(row: $0, fraction: 0.4, seed: 7) }
        let recency = try #require(matrix.column(named: "recency_days"))
        let recencyAUC = ClassifierMetrics(scores: heldOut.map { matrix.value(row: $0, column: recency) }, labels: heldOut.map { labels.labels[$0] }).rocAUC
        #expect(model.holdout.people == heldOut.count)
        #expect(model.holdout.metrics.rocAUC > 0.75, "held-out AUC \(model.holdout.metrics.rocAUC)")
        #expect(model.holdout.metrics.rocAUC > recencyAUC - 0.01, "forest \(model.holdout.metrics.rocAUC) vs recency alone \(recencyAUC)")
        // The baselines the model reports are those: recency ranked on the same people, and a
        // logistic regression whose held-out scores are its stored weights applied to the features.
        let baselines = try #require(model.baselines)
        #expect(baselines.recency?.metrics.rocAUC == recencyAUC && baselines.recency?.people == heldOut.count)
        let logisticScores = heldOut.map { row in Float(baselines.logistic.probability { matrix.value(row: row, column: $0) }) }
        #expect(baselines.logisticHoldout == ChurnEvaluation(scores: logisticScores, labels: heldOut.map { labels.labels[$0] }))
        #expect(baselines.logistic.rows == model.trainingRows && baselines.logistic.iterations < LogisticBaseline.maxIterations, "Newton converged")
        #expect(baselines.logisticHoldout.metrics.rocAUC > 0.7, "a sound baseline: \(baselines.logisticHoldout.metrics.rocAUC)")
        #expect(ChurnReport.text(model).contains("beside the baselines") && ChurnReport.json(model).contains("\"logistic_regression\""))
        #expect(abs(model.outOfBagAUC - model.holdout.metrics.rocAUC) < 0.06, "OOB \(model.outOfBagAUC) agrees with held-out")
        #expect(model.holdout.metrics.topDecileLift > 1.5 && model.holdout.calibration.count == 10)
        // Calibrated enough to read as a probability: each tenth's mean prediction is near its churn rate.
        #expect(model.holdout.calibration.allSatisfy { abs($0.meanPredicted - $0.observedRate) < 0.2 }, "\(model.holdout.calibration)")
        let top = model.featureNames[try #require(model.impurityImportance.indices.max { model.impurityImportance[$0] < model.impurityImportance[$1] })]
        // The strongest feature is one of when people last bought and how much lately.
        #expect(["recency", "frequency", "_90d", "overdue", "interval"].contains { top.contains($0) }, "the strongest feature is \(top)")
        #expect(model.permutationImportance.count == matrix.columnCount && (model.permutationImportance.max() ?? 0) > 0.01)

        // Against the generator's own truth (churned in its holdout window), on the same held-out people.
        let truth = try Fixtures.plantedTruth(column: 6, workspace: workspace, truthDirectory: (ClusterHarness.fixtureWorkspace() as NSString).deletingLastPathComponent)
        let compiled = CompiledForest(model.forest)
        let binned = ChurnTraining.binAll(matrix, bins: model.bins)
        let scores = compiled.predict(binned)
        let known = heldOut.filter { $0 < truth.count && truth[$0] != "?" }
        let truthAUC = ClassifierMetrics(scores: known.map { scores[$0] }, labels: known.map { truth[$0] == "1" ? 1 : 0 }).rocAUC
        #expect(known.count > 500 && truthAUC > 0.75, "AUC against the generator's truth \(truthAUC) over \(known.count) people")
        #expect(try ChurnModel(decoding: model.encoded) == model, "the stored format round-trips")
        // A model stored before the baselines (format 1: no baselines at the end) is still read.
        var old = model
        old.baselines = nil
        var v1 = Array(old.encoded.dropLast())
        v1[ChurnModel.magic.count] = 1
        let readBack = try ChurnModel(decoding: v1)
        #expect(readBack.baselines == nil && readBack.forest == model.forest)
    }

    @Test func scoringWritesEveryPersonsProbabilityAndTierAndExplainsOne() throws {
        let dir = TemporaryDirectory()
        let (workspace, setID) = try Fixtures.trainingWorkspace(dir)
        let training = try FeatureStore(workspace: workspace).load(setID: setID)
        let train = try ChurnTrainJob(columnNames: training.names, parameters: JobParameters(["trees": "10", "depth": "6"]))
        let model = try run(train, workspace, training, threads: 2)
        try train.store(result: model, jobID: "train-1", people: training.people, in: workspace)

        let current = try FeatureStore(workspace: workspace).load(setID: 1)
        let score = try ChurnScoreJob(parameters: JobParameters(["tiers": "0.2,0.5,0.8"]))
        let result = try run(score, workspace, current, threads: 2)
        try score.store(result: result, jobID: "score-1", people: current.people, in: workspace)
        let scores = try ChurnScores(decoding: result)
        #expect(scores.probabilities.count == current.rowCount && scores.modelID == 1)
        let stored = try workspace.db.rows("SELECT person_id, probability, tier FROM churn_score WHERE job_id = 'score-1' ORDER BY person_id")
        #expect(stored.count == current.rowCount)
        #expect(stored.enumerated().allSatisfy { i, row in
            row[0].integer == Int64(i + 1) && row[1].real == Double(scores.probabilities[i])
                && row[2].text == scores.tiers.names[scores.tiers.tier(of: scores.probabilities[i])]
        })
        #expect(Set(stored.compactMap { $0[2].text }).isSubset(of: ["low", "medium", "high", "critical"]) && scores.tierCounts.reduce(0, +) == current.rowCount)
        let csv = try scores.csv(people: current.people).split(separator: "\n")
        #expect(csv.first == "person_id,probability,tier" && csv.count == current.rowCount + 1)

        // The explanation's contributions and baseline add up to the scored probability.
        let (_, loaded, columns) = try ChurnScoring.load(in: workspace, matrix: current, modelID: nil)
        let row = 41
        let explanation = ChurnExplanation(model: loaded, values: columns.map { current.value(row: row, column: $0) })
        let total = explanation.baseline + explanation.contributions.reduce(0) { $0 + $1.contribution }
        #expect(abs(total - Double(scores.probabilities[row])) < 1e-5 && abs(explanation.probability - Double(scores.probabilities[row])) < 1e-5)

        // Evaluating on the training cut-off reads the same labels.
        let evaluate = try ChurnEvaluateJob(parameters: JobParameters())
        let evaluation = try ChurnEvaluationResult(decoding: run(evaluate, workspace, training, threads: 2))
        #expect(try evaluation.evaluation.people == ChurnLabels.compute(workspace, cutoff: training.asOf, horizonDays: 90).eligibleCount)
        #expect(evaluation.evaluation.metrics.rocAUC > 0.75)
    }

    @Test func badLabelsAndImpossibleWindowsAreRefusedWithClearErrors() throws {
        let dir = TemporaryDirectory()
        let (workspace, setID) = try Fixtures.trainingWorkspace(dir)
        let current = try FeatureStore(workspace: workspace).load(setID: 1)
        let job = try ChurnTrainJob(columnNames: current.names, parameters: JobParameters())
        // Features as of the last day leave no holdout window after them.
        let late = #expect(throws: OmnisegError.self) { try job.prepare(in: workspace, matrix: current) }
        #expect(late?.message.contains("holdout needs transactions up to") == true, "\(late?.message ?? "")")

        let store = ChurnStore(workspace: workspace)
        func importing(_ text: String) -> OmnisegError? {
            let file = dir.file("labels-\(text.count).csv")
            FileManager.default.createFile(atPath: file, contents: Data(text.utf8))
            return #expect(throws: OmnisegError.self) { _ = try store.importLabels(csvAt: file) }
        }
        #expect(importing("person,churned\n1,0\n")?.message.contains("person_id and label") == true)
        let badLabel = importing("person_id,label\n1,0\n2,yes\n")
        #expect(badLabel?.message.contains("'yes'") == true && badLabel?.context.contains { $0.key == "line" && $0.value == "3" } == true)
        #expect(importing("person_id,label\n1,0\n99999,1\n")?.message.contains("not a person of this workspace") == true)
        #expect(importing("person_id,label\n4,0\n4,1\n")?.message.contains("labelled twice") == true)
        #expect(try workspace.db.scalar("SELECT count(*) FROM churn_label")?.integer == 0, "a refused file imports nothing")

        // Spreadsheet exports: a byte-order mark, CRLF line ends, quoted fields.
        let exported = dir.file("exported.csv")
        FileManager.default.createFile(atPath: exported, contents: Data("\u{FEFF}\"person_id\",\"label\"\r\n\"7\",1\r\n8,\"0\"\r\n".utf8))
        let spreadsheet = try store.importLabels(csvAt: exported)
        #expect(spreadsheet.people == 2 && spreadsheet.churned == 1)

        // A good file trains a model on exactly its people.
        let file = dir.file("good.csv")
        let people = (1...800).map { "\($0),\($0 % 3 == 0 ? 1 : 0)" }
        FileManager.default.createFile(atPath: file, contents: Data(("person_id,label\n" + people.joined(separator: "\n") + "\n").utf8))
        let imported = try store.importLabels(csvAt: file)
        #expect(imported.people == 800 && imported.churned == 266)
        let matrix = try FeatureStore(workspace: workspace).load(setID: setID)
        let labelled = try ChurnTrainJob(columnNames: matrix.names, parameters: JobParameters(["labels": "\(imported.id)", "trees": "5", "holdout": "0.25"]))
        let model = try ChurnModel(decoding: run(labelled, workspace, matrix, threads: 2))
        #expect(model.trainingRows + model.holdout.people == 800 && model.labelling.labelSetID == imported.id)
    }
}

@Suite struct ChurnLabelTests {
    @Test func labelsFollowTheCutOffTheHorizonAndTheChannel() throws {
        let dir = TemporaryDirectory()
        let workspace = try Fixtures.tinyWorkspace(dir)
        // Which row is the omnichannel person (P1 + W1) and which the store-only one (P2).
        let omni = Int(try workspace.db.scalar("SELECT person_id FROM person_link WHERE source = 'pos' AND source_id = 'P1'")?.integer ?? 0) - 1
        let store = Int(try workspace.db.scalar("SELECT person_id FROM person_link WHERE source = 'pos' AND source_id = 'P2'")?.integer ?? 0) - 1
        func day(_ text: String) -> Int64 {
            let p = text.split(separator: "-").compactMap { Int($0) }
            return TimestampParser.unixSeconds(year: p[0], month: p[1], day: p[2]) ?? 0
        }

        let january = try ChurnLabels.compute(workspace, cutoff: day("2026-01-05"), horizonDays: 30)
        #expect(january.eligible == [true, true])
        #expect(january.labels[omni] == 0 && january.labels[store] == 1, "the omnichannel person bought again; the other did not")
        let inStore = try ChurnLabels.compute(workspace, cutoff: day("2026-01-05"), horizonDays: 30, channels: [.store])
        #expect(inStore.labels[omni] == 1, "no store purchase after the cut-off, though online ones")
        let short = try ChurnLabels.compute(workspace, cutoff: day("2026-01-15"), horizonDays: 3)
        #expect(short.labels[omni] == 1, "the next purchase (Jan 21) falls outside a 3-day horizon")
        let early = try ChurnLabels.compute(workspace, cutoff: day("2025-12-01"), horizonDays: 90)
        #expect(early.eligibleCount == 0 && early.churnRate == 0, "nobody had bought yet")
        #expect(throws: OmnisegError.self) { try ChurnLabels.compute(workspace, cutoff: 0, horizonDays: 0) }
    }
}
