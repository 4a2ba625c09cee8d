import Churn
import Clustering
import Foundation
import OmnisegCore
import Segments
import Workspace
import WorkspaceJobs

/// Saved segments (`segment` table) and the stored results a rule can use: the newest cluster
/// assignment and churn scores of a feature set.
public struct SegmentStore {
    public let workspace: Workspace

    public init(workspace: Workspace) { self.workspace = workspace }

    /// Saves (or replaces) segment `name` after parsing its rule; refuses names the language cannot refer to.
    public func save(name: String, rule text: String) throws(OmnisegError) -> SegmentRule {
        guard let first = name.first, first.isLetter || first == "_", name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), name.count <= 64 else {
            throw OmnisegError(.badInput, "a segment name is letters, digits and _ (starting with a letter or _), at most 64: '\(name)' is not")
        }
        let rule = try RuleParser.parse(text)
        let key = name.lowercased()
        // The rule must expand: every segment it names exists, and none leads back to this one.
        _ = try rule.expanding({ (other: String) throws(OmnisegError) -> SegmentRule? in try self.rule(named: other) }, seen: [key])
        try workspace.db.run("INSERT OR REPLACE INTO segment (name, rule, saved_at) VALUES (?, ?, ?)",
                             [.text(key), .text(rule.text), .integer(Int64(Date().timeIntervalSince1970))])
        return rule
    }

    /// The saved rule of `name` (parsed), or nil.
    public func rule(named name: String) throws(OmnisegError) -> SegmentRule? {
        guard let text = try workspace.db.scalar("SELECT rule FROM segment WHERE name = ?", [.text(name.lowercased())])?.text else { return nil }
        return try RuleParser.parse(text)
    }

    /// Every saved segment: (name, rule text), by name.
    public func all() throws(OmnisegError) -> [(name: String, rule: String)] {
        try workspace.db.rows("SELECT name, rule FROM segment ORDER BY name").map { ($0[0].text ?? "", $0[1].text ?? "") }
    }

    /// Deletes segment `name`; false when there was none.
    public func delete(name: String) throws(OmnisegError) -> Bool {
        guard try rule(named: name) != nil else { return false }
        try workspace.db.run("DELETE FROM segment WHERE name = ?", [.text(name.lowercased())])
        return true
    }

    /// `text` as a rule with saved segments expanded: a saved segment's name alone, or any rule.
    public func resolve(_ text: String) throws(OmnisegError) -> SegmentRule {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let isName = !trimmed.isEmpty && trimmed.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
        var parsed: SegmentRule
        if isName, try rule(named: trimmed) != nil {
            parsed = .saved(name: trimmed.lowercased())
        } else {
            parsed = try RuleParser.parse(text)
        }
        return try parsed.expanding { (name: String) throws(OmnisegError) -> SegmentRule? in try self.rule(named: name) }
    }

    /// Each row of `people` (feature set `setID`'s) its cluster from the newest succeeded cluster job
    /// on that set, or nil.
    func clusters(featureSet setID: Int64, people: PersonRows) throws(OmnisegError) -> [Int32]? {
        guard let job = try JobLedger(workspace: workspace).newestSucceeded(ClusterJob.name, featureSet: setID) else { return nil }
        var labels = [Int32](repeating: -1, count: people.count)
        let statement = try workspace.db.prepare("SELECT person_id, cluster FROM cluster_assignment WHERE job_id = ?")
        try statement.bind([.text(job)])
        while try statement.step() {
            if let row = people.row(ofID: statement.int64(at: 0)) { labels[row] = Int32(clamping: statement.int64(at: 1)) }
        }
        return labels
    }

    /// Each row of `people` (feature set `setID`'s) its churn probability and tier code from the newest
    /// churn-score job on that set, with the tier names (lowest risk first), or nil.
    package func churn(featureSet setID: Int64, people: PersonRows) throws(OmnisegError) -> (risk: [Float], tier: [UInt8], names: [String])? {
        let rowCount = people.count
        guard let job = try JobLedger(workspace: workspace).newestSucceeded(ChurnScoreJob.name, featureSet: setID) else { return nil }
        let names = try workspace.db.rows("SELECT tier FROM churn_score WHERE job_id = ? GROUP BY tier ORDER BY min(probability)", [.text(job)])
            .compactMap { $0[0].text }
        guard !names.isEmpty, names.count < 255 else { return nil }
        var risk = [Float](repeating: .nan, count: rowCount), tier = [UInt8](repeating: 255, count: rowCount)
        let statement = try workspace.db.prepare("SELECT person_id, probability, tier FROM churn_score WHERE job_id = ?")
        try statement.bind([.text(job)])
        while try statement.step() {
            guard let row = people.row(ofID: statement.int64(at: 0)) else { continue }
            risk[row] = Float(statement.double(at: 1))
            tier[row] = UInt8(names.firstIndex(of: statement.string(at: 2) ?? "") ?? 254)
        }
        return (risk, tier, names.map { $0.lowercased() })
    }

    /// Each row of `people` its gender code (the value most of the person's records carry now,
    /// lower-case; 255: none) and the gender names by code. A row whose person was merged into
    /// another since the rows were built reads nothing (``PersonRows/row(ofID:)`` finds only its id).
    func genders(people: PersonRows) throws(OmnisegError) -> (codes: [UInt8], names: [String]) {
        let rowCount = people.count
        let statement = try workspace.db.prepare("""
            SELECT l.person_id, lower(trim(r.gender)), count(*) AS n FROM person_link l
            JOIN customer_record r ON r.source = l.source AND r.source_id = l.source_id
            WHERE r.gender IS NOT NULL AND trim(r.gender) != '' GROUP BY l.person_id, lower(trim(r.gender)) ORDER BY l.person_id, n DESC, 2
            """)
        var codes = [UInt8](repeating: 255, count: rowCount)
        var names: [String] = []
        var last = -1
        while try statement.step() {
            guard let row = people.row(ofID: statement.int64(at: 0)), row != last, let value = statement.string(at: 1) else { continue }
            last = row
            if !names.contains(value) {
                guard names.count < 254 else { continue }
                names.append(value)
            }
            codes[row] = UInt8(names.firstIndex(of: value) ?? 254)
        }
        // Codes follow the sorted names, so they do not depend on which person came first.
        let sorted = names.sorted()
        let remap = names.map { UInt8(sorted.firstIndex(of: $0) ?? 254) }
        return (codes.map { $0 < remap.count ? remap[Int($0)] : $0 }, sorted)
    }
}
