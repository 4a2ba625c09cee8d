import Foundation
import Identity
import OmnisegCore
import FeatureStore
import Ingest
import Workspace

/// Workspaces and planted truths that tests of several modules share.
enum Fixtures {
    /// Column `column` of `truth_people.csv` for each feature row ("?" where no generated customer is behind it).
    static func plantedTruth(column: Int, workspace: Workspace, truthDirectory dir: String) throws -> [String] {
        func rows(_ file: String) throws -> [[Substring]] {
            try String(contentsOfFile: dir + "/" + file, encoding: .utf8).split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        }
        var personaOf: [Substring: String] = [:]
        for r in try rows("truth_people.csv") { personaOf[r[0]] = String(r[column]) }
        var truthPerson: [String: Substring] = [:]
        for r in try rows("truth_records.csv") { truthPerson["\(r[0])|\(r[1])"] = r[2] }
        let people = try workspace.db.rows("SELECT person_id, source, source_id FROM person_link ORDER BY person_id, source, source_id")
        var result: [Int: String] = [:]
        for row in people {
            guard let id = row[0].integer, result[Int(id) - 1] == nil, let source = row[1].text, let sourceID = row[2].text,
                  let person = truthPerson["\(source)|\(sourceID)"], let persona = personaOf[person] else { continue }
            result[Int(id) - 1] = persona
        }
        return (0..<(result.keys.max() ?? -1) + 1).map { result[$0] ?? "?" }
    }

    /// A copy of the cluster fixture (2,500 generated people, data to 2026-06-30) with a training
    /// feature set as of 2026-03-31 (90 days before the end), whose id is returned.
    static func trainingWorkspace(_ dir: TemporaryDirectory) throws -> (workspace: Workspace, trainingSet: Int64) {
        let path = dir.file("workspace.sqlite")
        try FileManager.default.copyItem(atPath: ClusterHarness.fixtureWorkspace(), toPath: path)
        let workspace = try Workspace(path: path)
        return (workspace, try addTrainingSet(to: workspace))
    }

    /// Saves a feature set as of 2026-03-31 (end of day) in 256-row shards; returns its id.
    static func addTrainingSet(to workspace: Workspace) throws -> Int64 {
        let asOf = (TimestampParser.unixSeconds(year: 2026, month: 3, day: 31) ?? 0) + 86_399
        var matrix = try FeatureBuilder(options: FeatureOptions(asOf: asOf, shardRows: 256)).build(workspace)
        matrix.setID = try FeatureStore(workspace: workspace).save(matrix)
        return matrix.setID
    }

    /// Two people: person 1 has a POS record and a web account (same e-mail), person 2 one POS record.
    static func tinyWorkspace(_ dir: TemporaryDirectory) throws -> Workspace {
        let workspace = try dir.workspace()
        let ingester = Ingester(workspace: workspace, progressStyle: .silent)
        let files: [(IngestKind, String)] = [
            (.customers, "source,source_id,email\npos,P1,a@x.com\npos,P2,b@x.com\nweb,W1,A@X.com\n"),
            (.products, "sku,department,arrival_date\nSKU1,footwear,2025-12-15\nSKU2,mens,2024-01-01\nSKU3,mens,\n"),
            (.transactions, """
                source,customer_id,timestamp,channel,order_id,sku,department,amount,discounted
                pos,P1,2026-01-01T10:00:00Z,store,O1,SKU1,footwear,100.00,0
                pos,P1,2026-01-01T10:00:00Z,store,O1,SKU2,mens,50.00,1
                web,W1,2026-01-11T12:00:00Z,web,O2,SKU1,footwear,50.00,0
                web,W1,2026-01-21T08:00:00Z,app,O3,SKU3,mens,100.00,0
                pos,P2,2025-12-22T00:00:00Z,store,O9,SKU2,mens,10.00,1

                """),
            (.events, "source,customer_id,timestamp,event\nweb,W1,2026-01-20T00:00:00Z,view\nweb,W1,2025-12-01T00:00:00Z,login\nweb,W1,2025-09-01T00:00:00Z,view\n"),
        ]
        for (kind, text) in files {
            let report = try ingester.ingest(file: dir.write("\(kind.rawValue).csv", text), options: IngestOptions(kind: kind))
            guard report.rejected == 0 else { throw OmnisegError(.badInput, "the tiny workspace's \(kind.rawValue) file has rejected rows") }
        }
        _ = try IdentityResolver().resolve(workspace)
        return workspace
    }
}
