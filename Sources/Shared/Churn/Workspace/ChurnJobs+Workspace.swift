import Churn
import Features
import JobRuntime
import OmnisegCore
import Workspace
import WorkspaceJobs

/// The churn jobs where the workspace is: labels and stored models go into the first state; models
/// and scores are stored in `churn_model` and `churn_score`.
extension ChurnTrainJob: WorkspaceJob {
    /// Labels from the workspace (or an imported label set), then ``firstState(matrix:labels:labelling:)``.
    public func prepare(in workspace: Workspace, matrix: FeatureMatrix) throws(OmnisegError) -> JobPreparation {
        let labelling = ChurnLabelling(cutoff: matrix.asOf, horizonDays: labelSetID > 0 ? 0 : horizonDays, channels: channels, labelSetID: labelSetID)
        let labels = try ChurnLabels.load(in: workspace, matrix: matrix, labelling: labelling)
        return JobPreparation(state: try firstState(matrix: matrix, labels: labels, labelling: labelling))
    }

    public func store(result: [UInt8], jobID: String, people: PersonRows?, in workspace: Workspace) throws(OmnisegError) {
        try ChurnStore(workspace: workspace).save(try ChurnModel(decoding: result), jobID: jobID)
    }
}

extension ChurnScoreJob: WorkspaceJob {
    public func prepare(in workspace: Workspace, matrix: FeatureMatrix) throws(OmnisegError) -> JobPreparation {
        let (id, model, columns) = try ChurnScoring.load(in: workspace, matrix: matrix, modelID: modelID)
        return JobPreparation(state: ChurnScoringState(modelID: id, tiers: tiers, columns: columns, labelling: model.labelling, labels: [], model: model).encoded)
    }

    public func store(result: [UInt8], jobID: String, people: PersonRows?, in workspace: Workspace) throws(OmnisegError) {
        let scores = try ChurnScores(decoding: result)
        try ChurnStore(workspace: workspace).saveScores(scores, jobID: jobID, people: people ?? .dense(count: scores.probabilities.count))
    }
}

extension ChurnEvaluateJob: WorkspaceJob {
    public func prepare(in workspace: Workspace, matrix: FeatureMatrix) throws(OmnisegError) -> JobPreparation {
        let (id, model, columns) = try ChurnScoring.load(in: workspace, matrix: matrix, modelID: modelID)
        let horizon = horizonDays ?? (model.labelling.horizonDays > 0 ? model.labelling.horizonDays : 90)
        let labelling = ChurnLabelling(cutoff: matrix.asOf, horizonDays: labelSetID > 0 ? 0 : horizon,
                                       channels: channels ?? model.labelling.channels, labelSetID: labelSetID)
        let labels = try ChurnLabels.load(in: workspace, matrix: matrix, labelling: labelling)
        let coded = zip(labels.labels, labels.eligible).map { $0.1 ? $0.0 : 255 }
        // The model's baselines on the same labelled people, where the features are.
        let labelled = coded.indices.filter { coded[$0] != 255 }
        let baselines = model.baselines.map {
            ChurnBaselines.evaluate($0.logistic, matrix, columns: columns, rows: labelled, labels: labelled.map { coded[$0] })
        }
        return JobPreparation(state: ChurnScoringState(modelID: id, tiers: .standard, columns: columns, labelling: labelling, labels: coded, model: model,
                                                       baselines: baselines).encoded)
    }
}

/// Finding a stored model's features in a feature set.
public enum ChurnScoring {
    /// The stored model `id` (newest when nil), its features found by name in `matrix`.
    public static func load(in workspace: Workspace, matrix: FeatureMatrix, modelID: Int64?) throws(OmnisegError) -> (id: Int64, model: ChurnModel, columns: [Int]) {
        let stored = try ChurnStore(workspace: workspace).model(id: modelID)
        var columns: [Int] = []
        for name in stored.model.featureNames {
            guard let c = matrix.column(named: name) else {
                throw OmnisegError(.precondition, "churn model \(stored.id) needs feature '\(name)', which feature set \(matrix.setID) does not have; "
                                   + "build the features with the same options as the training set (\(stored.model.featureSetID))")
            }
            columns.append(c)
        }
        return (stored.id, stored.model, columns)
    }
}
