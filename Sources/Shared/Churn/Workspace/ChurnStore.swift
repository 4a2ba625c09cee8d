import Churn
import Foundation
import Identity
import Ingest
import OmnisegCore
import Workspace

/// A churn model as listed from the workspace.
public struct StoredChurnModel: Sendable {
    public var id: Int64
    public var jobID: String
    public var trainedAt: Int64
    public var model: ChurnModel
}

/// The workspace's churn tables: imported label sets, trained models and per-person scores.
public struct ChurnStore {
    public let workspace: Workspace

    public init(workspace: Workspace) { self.workspace = workspace }

    // MARK: Models

    /// Stores a trained model (once per job) and returns its id.
    @discardableResult
    public func save(_ model: ChurnModel, jobID: String) throws(OmnisegError) -> Int64 {
        if let id = try modelID(ofJob: jobID) { return id }
        try workspace.db.run("""
            INSERT INTO churn_model (job_id, trained_at, feature_set, format_version, trees, oob_auc, holdout_auc, model)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(jobID), .integer(Int64(Date().timeIntervalSince1970)), .integer(model.featureSetID), .integer(Int64(ChurnModel.formatVersion)),
                  .integer(Int64(model.forest.trees.count)), model.outOfBagAUC.isFinite ? .real(model.outOfBagAUC) : .null,
                  model.holdout.metrics.rocAUC.isFinite ? .real(model.holdout.metrics.rocAUC) : .null, .blob(model.encoded)])
        return workspace.db.lastInsertRowID
    }

    /// The id of the model churn-train job `jobID` stored, or nil when it stored none.
    public func modelID(ofJob jobID: String) throws(OmnisegError) -> Int64? {
        try workspace.db.scalar("SELECT id FROM churn_model WHERE job_id = ?", [.text(jobID)])?.integer
    }

    /// Model `id`, or the newest when nil; throws `.notFound` naming what is missing.
    public func model(id: Int64? = nil) throws(OmnisegError) -> StoredChurnModel {
        let columns = "SELECT id, job_id, trained_at, model FROM churn_model"
        let rows: [[SQLiteValue]]
        if let id {
            rows = try workspace.db.rows(columns + " WHERE id = ?", [.integer(id)])
        } else {
            rows = try workspace.db.rows(columns + " ORDER BY id DESC LIMIT 1")
        }
        guard let row = rows.first, case .blob(let bytes) = row[3] else {
            if let id { throw OmnisegError(.notFound, "no churn model \(id) in this workspace (`omniseg churn models` lists them)", context: [("workspace", workspace.path)]) }
            throw OmnisegError(.precondition, "no churn model yet: run `omniseg churn train` first", context: [("workspace", workspace.path)])
        }
        let model: ChurnModel
        do throws(OmnisegError) {
            model = try ChurnModel(decoding: bytes)
        } catch {
            throw OmnisegError(error.code, "churn model \(row[0].integer ?? 0): \(error.message)", context: [("workspace", workspace.path)])
        }
        return StoredChurnModel(id: row[0].integer ?? 0, jobID: row[1].text ?? "", trainedAt: row[2].integer ?? 0, model: model)
    }

    /// Every stored model, oldest first: id, job, trained at, feature set, trees, OOB and held-out AUC.
    public func models() throws(OmnisegError) -> [[SQLiteValue]] {
        try workspace.db.rows("SELECT id, job_id, trained_at, feature_set, trees, oob_auc, holdout_auc FROM churn_model ORDER BY id")
    }

    // MARK: Label sets

    /// Imports labels from a CSV with a header naming `person_id` and `label` (0 or 1) columns.
    /// Every bad line is an error naming the file, line and field; nothing is dropped silently.
    public func importLabels(csvAt path: String) throws(OmnisegError) -> (id: Int64, people: Int, churned: Int) {
        let reader = try CSVReader(path: path)
        let known = try Self.personIDs(in: workspace)
        var columns: (person: Int, label: Int, count: Int)?
        var labels: [Int64: UInt8] = [:]
        try reader.forEachRecord { (record: borrowing CSVRecord) throws(OmnisegError) -> Bool in
            let where_: [(String, String)] = [("file", path), ("line", "\(record.line)")]
            if let problem = record.problem { throw OmnisegError(.badInput, problem, context: where_) }
            let fields = (0..<record.count).map { record.string($0).trimmingCharacters(in: .whitespaces) }
            guard let (personColumn, labelColumn, count) = columns else {
                let names = fields.map { $0.lowercased() }
                guard let person = names.firstIndex(of: "person_id"), let label = names.firstIndex(of: "label") else {
                    throw OmnisegError(.badInput, "the header must name the columns person_id and label (got: \(names.joined(separator: ",")))",
                                       context: where_)
                }
                columns = (person, label, names.count)
                return true
            }
            guard fields.count == count else {
                throw OmnisegError(.badInput, "expected \(count) fields, found \(fields.count)", context: where_)
            }
            guard let person = Int64(fields[personColumn]), known.contains(person) else {
                throw OmnisegError(.badInput, "person_id '\(fields[personColumn])' is not a person of this workspace (\(known.count) ids given out)",
                                   context: where_ + [("field", "person_id")])
            }
            guard let label = UInt8(fields[labelColumn]), label <= 1 else {
                throw OmnisegError(.badInput, "label '\(fields[labelColumn])' must be 0 (stayed) or 1 (churned)", context: where_ + [("field", "label")])
            }
            guard labels[person] == nil else {
                throw OmnisegError(.badInput, "person \(person) is labelled twice", context: where_ + [("field", "person_id")])
            }
            labels[person] = label
            return true
        }
        if columns == nil { throw OmnisegError(.badInput, "the label file is empty", context: [("file", path)]) }
        guard !labels.isEmpty else { throw OmnisegError(.badInput, "the label file has no rows", context: [("file", path)]) }
        let churned = labels.values.reduce(0) { $0 + Int($1) }
        return try workspace.db.transaction { () throws(OmnisegError) -> (id: Int64, people: Int, churned: Int) in
            try workspace.db.run("INSERT INTO churn_label_set (source, imported_at, people, churned) VALUES (?, ?, ?, ?)",
                                 [.text(path), .integer(Int64(Date().timeIntervalSince1970)), .integer(Int64(labels.count)), .integer(Int64(churned))])
            let id = workspace.db.lastInsertRowID
            let insert = try workspace.db.prepare("INSERT INTO churn_label (set_id, person_id, label) VALUES (?, ?, ?)")
            for person in labels.keys.sorted() {
                try insert.bind([.integer(id), .integer(person), .integer(Int64(labels[person] ?? 0))])
                try insert.runAndReset()
            }
            return (id, labels.count, churned)
        }
    }

    /// Label set `id` as churn labels over the rows of `people` (a feature set's). A label of a person
    /// merged into another since is the survivor's; two merged people labelled differently are an error.
    public func labels(set id: Int64, people: PersonRows) throws(OmnisegError) -> ChurnLabels {
        guard try workspace.db.scalar("SELECT id FROM churn_label_set WHERE id = ?", [.integer(id)]) != nil else {
            throw OmnisegError(.notFound, "no churn label set \(id) in this workspace", context: [("workspace", workspace.path)])
        }
        let survivors = try IdentityGenerations.survivors(since: 0, in: workspace.db)
        var result = ChurnLabels(labels: [UInt8](repeating: 0, count: people.count), eligible: [Bool](repeating: false, count: people.count))
        var labelledAs = [Int64](repeating: 0, count: people.count)
        let statement = try workspace.db.prepare("SELECT person_id, label FROM churn_label WHERE set_id = ?")
        try statement.bind([.integer(id)])
        while try statement.step() {
            let labelled = statement.int64(at: 0), label = UInt8(statement.int64(at: 1))
            let person = survivors[labelled] ?? labelled
            guard let row = people.row(ofID: person) else {
                throw OmnisegError(.badInput, "label set \(id) labels person \(labelled), who is not in the feature set (\(people.count) people)")
            }
            if result.eligible[row], result.labels[row] != label {
                throw OmnisegError(.badInput, "label set \(id) labels persons \(labelledAs[row]) and \(labelled) differently, "
                                   + "but they are one person now (\(person)): fix the labels and import them again")
            }
            result.labels[row] = label
            result.eligible[row] = true
            labelledAs[row] = labelled
        }
        return result
    }

    /// Every person id the workspace has given out (current and merged away).
    static func personIDs(in workspace: Workspace) throws(OmnisegError) -> Set<Int64> {
        var ids = Set<Int64>()
        let statement = try workspace.db.prepare("SELECT id FROM person")
        while try statement.step() { ids.insert(statement.int64(at: 0)) }
        return ids
    }

    // MARK: Scores

    /// Writes a score job's per-person probabilities and tiers (replacing any for that job); row r of
    /// the scores is person `people.id(ofRow: r)`.
    public func saveScores(_ scores: ChurnScores, jobID: String, people: PersonRows) throws(OmnisegError) {
        try people.check("the churn scores of job \(jobID)", covers: scores.probabilities.count)
        try workspace.db.transaction { () throws(OmnisegError) in
            try workspace.db.run("DELETE FROM churn_score WHERE job_id = ?", [.text(jobID)])
            let insert = try workspace.db.prepare("INSERT INTO churn_score (job_id, person_id, model_id, probability, tier) VALUES (?, ?, ?, ?, ?)")
            let tierNames = scores.tiers.names
            for (row, p) in scores.probabilities.enumerated() {
                try insert.bind([.text(jobID), .integer(people.id(ofRow: row)), .integer(scores.modelID), .real(Double(p)),
                                 .text(tierNames[scores.tiers.tier(of: p)])])
                try insert.runAndReset()
            }
        }
    }
}
