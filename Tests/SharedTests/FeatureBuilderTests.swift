import Testing
@testable import Shared

@Suite struct FeatureBuilderTests {
    /// Two people: person 1 has a POS record and a web account (same e-mail), person 2 one POS record.
    func tinyWorkspace(_ dir: TemporaryDirectory) throws -> Workspace {
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
            #expect(report.rejected == 0)
        }
        _ = try IdentityResolver().resolve(workspace)
        return workspace
    }

    @Test func handCheckedValues() throws {
        let dir = TemporaryDirectory()
        let matrix = try FeatureBuilder(options: FeatureOptions(shardRows: 16)).build(try tinyWorkspace(dir))
        #expect(matrix.rowCount == 2)
        func v(_ row: Int, _ name: String) -> Double {
            guard let c = matrix.column(named: name) else { Issue.record("no column \(name)"); return .nan }
            return Double(matrix.value(row: row, column: c))
        }
        let day = 86_400.0
        #expect(CivilDate.isoDate(unixSeconds: matrix.asOf) == "2026-01-21")
        #expect(abs(v(0, "recency_days") - (15 * 3600 + 3599) / day) < 1e-4)
        #expect(v(0, "frequency") == 3)
        #expect(v(0, "monetary") == 300)
        #expect(v(0, "avg_order_value") == 100)
        #expect(abs(v(0, "store_recency_days") - (20 + (13 * 3600 + 3599) / day)) < 1e-4)
        #expect(v(0, "store_frequency") == 1 && v(0, "online_frequency") == 2)
        #expect(v(0, "store_monetary") == 150 && v(0, "online_monetary") == 150)
        #expect(v(0, "online_share") == 0.5)
        #expect(abs(v(0, "app_share") - 2.0 / 3.0) < 1e-6)
        #expect(abs(v(0, "tenure_days") - (142 + 86_399 / day)) < 1e-4, "tenure counts the first event, before the first purchase")
        #expect(abs(v(0, "discount_share") - 50.0 / 300) < 1e-6)
        #expect(v(0, "new_arrival_share") == 0.5)
        #expect(v(0, "dept_share_footwear") == 0.5 && v(0, "dept_share_mens") == 0.5)
        #expect(matrix.names.firstIndex(of: "dept_share_mens")! < matrix.names.firstIndex(of: "dept_share_footwear")!, "departments rank by revenue")
        #expect(v(0, "views_30d") == 1 && v(0, "views_90d") == 1)
        #expect(v(0, "logins_30d") == 0 && v(0, "logins_90d") == 1)
        #expect(abs(v(1, "recency_days") - (30 + 86_399 / day)) < 1e-4)
        #expect(v(1, "discount_share") == 1)
        #expect(v(1, "online_recency_days") == v(1, "recency_days"), "no online purchase: recency is the span of the data")
        #expect(abs(matrix.means[matrix.column(named: "monetary")!] - 155) < 1e-9)
        #expect(abs(matrix.stds[matrix.column(named: "monetary")!] - 145) < 1e-9)
    }

    @Test func asOfExcludesLaterActivity() throws {
        let dir = TemporaryDirectory()
        let asOf = TimestampParser.iso8601.parse("2026-01-05")
        let matrix = try FeatureBuilder(options: FeatureOptions(asOf: asOf)).build(try tinyWorkspace(dir))
        #expect(matrix.value(row: 0, column: matrix.column(named: "frequency")!) == 1)
        #expect(matrix.value(row: 0, column: matrix.column(named: "online_monetary")!) == 0)
    }

    @Test func storedMatrixRoundTripsAndDetectsCorruption() throws {
        let dir = TemporaryDirectory()
        let workspace = try tinyWorkspace(dir)
        let built = try FeatureBuilder(options: FeatureOptions(shardRows: 16)).build(workspace)
        let store = FeatureStore(workspace: workspace)
        let id = try store.save(built)
        let loaded = try store.load(setID: id)
        #expect(loaded.names == built.names)
        #expect(loaded.shards[0].column(2)[0] == 300)
        #expect(Int(bitPattern: loaded.shards[0].column(0).baseAddress) % 64 == 0)
        try workspace.db.execute("UPDATE feature_shard SET data = zeroblob(length(data)) WHERE shard = 0")
        let error = #expect(throws: OmnisegError.self) { try store.load(setID: id) }
        #expect(error?.code == .corrupt)
    }
}
