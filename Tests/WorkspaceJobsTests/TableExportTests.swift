import Foundation
import JobKinds
@testable import JobRuntime
@testable import OmnisegCore
@testable import Profiling
@testable import TestSupport
import Testing
@testable import Workspace
@testable import WorkspaceJobs

@Suite struct TableExportTests {
    private func workspace() throws -> (TemporaryDirectory, Workspace) {
        let dir = TemporaryDirectory()
        let path = dir.file("w.sqlite")
        try FileManager.default.copyItem(atPath: ClusterHarness.fixtureWorkspace(), toPath: path)
        return (dir, try Workspace(path: path))
    }

    @Test func theExportableListMatchesTheSchemaAndHoldsNoContact() throws {
        let (_, ws) = try workspace()
        for (table, columns) in ExportableTables.columns {
            let actual = Set(try ws.db.rows("SELECT name FROM pragma_table_info(?)", [.text(table)]).compactMap { $0[0].text })
            #expect(Set(columns).isSubset(of: actual), "\(table): \(Set(columns).subtracting(actual)) not in the schema")
        }
        let contacts = Set(try ws.db.rows("SELECT name FROM pragma_table_info('customer_record')").compactMap { $0[0].text })
            .subtracting(["source", "source_id", "file_id", "line"])
        #expect(!contacts.isEmpty)
        #expect(ExportableTables.columns.values.allSatisfy { Set($0).isDisjoint(with: contacts.subtracting(["customer_id"])) })
        for table in ["customer_record", "rejected_row", "person_link", "job"] {
            #expect(throws: OmnisegError.self, "\(table) never goes to workers") { try TablePartitioning(table: table, partitions: 2) }
        }
        #expect(throws: OmnisegError.self, "a column outside the list") { try TablePartitioning(table: "txn", columns: ["file_id"], partitions: 2) }
        #expect(throws: OmnisegError.self, "a key outside the columns") { try TablePartitioning(table: "txn", columns: ["sku"], key: "ts", partitions: 2) }
    }

    @Test func partitionsHoldEveryRowOnceAndKeepKeysTogether() throws {
        let (_, ws) = try workspace()
        let total = try ws.count(.transactions)
        try #require(total > 100)
        for key in [nil, "customer_id"] as [String?] {
            let spec = try TablePartitioning(table: "txn", key: key, partitions: 6)
            let parts = try TableExport(workspace: ws).partitions(spec)
            #expect(parts.count == 6 && parts.map(\.index) == Array(0..<6))
            #expect(parts.reduce(0) { $0 + $1.rowCount } == total, "every row once (key \(key ?? "none"))")
            #expect(parts.allSatisfy { $0.rowCount > 0 })
            for p in parts { #expect(try TablePartition(decoding: p.encoded) == p) }
            if key != nil {
                var home: [String: Int] = [:]
                for p in parts {
                    guard case .text(let ids) = try p.column("customer_id") else { Issue.record("customer_id is text"); continue }
                    for id in ids.compactMap({ $0 }) {
                        #expect(home[id, default: p.index] == p.index, "customer \(id) in two partitions")
                        home[id] = p.index
                    }
                }
            }
            #expect(try TableExport(workspace: ws).partitions(spec) == parts, "the same cut every time")
        }
    }

    @Test func aValueOfTheWrongTypeIsRefusedNamingItsRow() throws {
        let (_, ws) = try workspace()
        try ws.db.run("UPDATE txn SET quantity = 'many' WHERE id = (SELECT min(id) FROM txn)")
        let id = try #require(ws.db.scalar("SELECT min(id) FROM txn")?.integer)
        #expect { try TableExport(workspace: ws).partitions(TablePartitioning(table: "txn", partitions: 2)) } throws: { error in
            let message = (error as? OmnisegError)?.message ?? ""
            return message.contains("column 'quantity'") && message.contains("row \(id)") && message.contains("TEXT where the schema declares INTEGER")
        }
    }

    @Test func theProfileIsTheSameHoweverTheTableIsCut() throws {
        let (_, ws) = try workspace()
        var rendered: Set<String> = []
        for (key, partitions) in [(nil, 1), (nil, 7), ("customer_id", 3)] as [(String?, Int)] {
            var parameters = JobParameters(["table": "txn", "partitions": "\(partitions)"])
            if let key { parameters["key"] = key }
            let kind = try JobKindRegistry.make(TableProfileJob.name, columnNames: [], parameters: parameters)
            let prepared = try WorkspaceJobs.prepare(kind, in: ws, matrix: nil)
            let result = try kind.resultBody(JobDriver(jobID: "t", kind: kind, shardCount: prepared.tasks.count)
                .run(transport: InProcessTransport(kind: kind, inputs: try prepared.taskInputs(), threads: 2), checkpoints: MemoryCheckpoints()))
            let text = try kind.render(result: result, json: false)
            rendered.insert(String(text.drop { $0 != "\n" }))
            let profile = try TableProfile(decoding: result)
            #expect(profile.partitions == partitions)
            let exact = try ws.db.scalar("SELECT count(DISTINCT sku) FROM txn")?.integer ?? 0
            let sku = try #require(profile.columns.first { $0.name == "sku" })
            #expect(abs(sku.distinct.estimate - Double(exact)) <= 0.08 * Double(exact), "distinct skus \(sku.distinct.estimate) vs \(exact)")
            let amounts = try #require(profile.columns.first { $0.name == "amount_cents" })
            let (lo, hi) = try (ws.db.scalar("SELECT min(amount_cents) FROM txn")?.integer ?? 0, ws.db.scalar("SELECT max(amount_cents) FROM txn")?.integer ?? 0)
            #expect(amounts.minimum == Double(lo) && amounts.maximum == Double(hi))
        }
        #expect(rendered.count == 1, "the same profile below the header line")
    }
}
