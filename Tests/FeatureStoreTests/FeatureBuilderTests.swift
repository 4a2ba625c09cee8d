@testable import FeatureStore
@testable import Identity
@testable import Ingest
@testable import OmnisegCore
@testable import TestSupport
import Testing
@testable import Workspace

@Suite struct FeatureBuilderTests {
    @Test func handCheckedValues() throws {
        let dir = TemporaryDirectory()
        let matrix = try FeatureBuilder(options: FeatureOptions(shardRows: 16)).build(try Fixtures.tinyWorkspace(dir))
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
        // For churn: person 1's three orders from 01-01 10:00 to 01-21 08:00 are 9.96 days apart on average.
        let interval = (20 * day - 7200) / day / 2
        #expect(abs(v(0, "purchase_interval_days") - interval) < 1e-4)
        #expect(abs(v(0, "overdue_ratio") - v(0, "recency_days") / interval) < 1e-5)
        #expect(v(0, "orders_90d") == 3 && v(0, "orders_prior_90d") == 0 && v(0, "spend_90d") == 300 && v(0, "spend_prior_90d") == 0)
        #expect(v(0, "order_trend_90d") == 1 && v(0, "spend_trend_90d") == 1)
        #expect(v(0, "distinct_departments") == 2)
        // One order: the interval is the span of the data, and the person is exactly one interval overdue.
        #expect(abs(v(1, "purchase_interval_days") - (30 + 86_399 / day)) < 1e-4 && abs(v(1, "overdue_ratio") - 1) < 1e-5)
        #expect(v(1, "distinct_departments") == 1)
        #expect(abs(matrix.means[matrix.column(named: "monetary")!] - 155) < 1e-9)
        #expect(abs(matrix.stds[matrix.column(named: "monetary")!] - 145) < 1e-9)
    }

    @Test func asOfExcludesLaterActivity() throws {
        let dir = TemporaryDirectory()
        let asOf = TimestampParser.iso8601.parse("2026-01-05")
        let matrix = try FeatureBuilder(options: FeatureOptions(asOf: asOf)).build(try Fixtures.tinyWorkspace(dir))
        #expect(matrix.value(row: 0, column: matrix.column(named: "frequency")!) == 1)
        #expect(matrix.value(row: 0, column: matrix.column(named: "online_monetary")!) == 0)
        // As of 2026-04-10 the January orders are 80–99 days old: two in the last 90 days, one in the 90 before.
        let later = try FeatureBuilder(options: FeatureOptions(asOf: TimestampParser.iso8601.parse("2026-04-10"))).build(try Fixtures.tinyWorkspace(TemporaryDirectory()))
        #expect(later.value(row: 0, column: later.column(named: "orders_90d")!) == 2 && later.value(row: 0, column: later.column(named: "orders_prior_90d")!) == 1)
        #expect(later.value(row: 0, column: later.column(named: "spend_prior_90d")!) == 150)
        #expect(abs(later.value(row: 0, column: later.column(named: "order_trend_90d")!) - 1.0 / 3) < 1e-6)
    }

    @Test func storedMatrixRoundTripsAndDetectsCorruption() throws {
        let dir = TemporaryDirectory()
        let workspace = try Fixtures.tinyWorkspace(dir)
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

    @Test func theDefaultFeatureSetHasTheLatestAsOfDayThenTheHighestID() throws {
        let dir = TemporaryDirectory()
        let workspace = try Fixtures.tinyWorkspace(dir)
        let store = FeatureStore(workspace: workspace)
        func save(_ year: Int, _ month: Int, _ day: Int, hour: Int = 23) throws -> Int64 {
            let asOf = try #require(TimestampParser.unixSeconds(year: year, month: month, day: day, hour: hour))
            return try store.save(FeatureBuilder(options: FeatureOptions(asOf: asOf)).build(workspace))
        }
        #expect(try store.defaultSetID() == nil)
        let today = try save(2026, 1, 31)
        let training = try save(2026, 1, 10)  // built later, but as of an earlier day: not the default
        #expect(training > today)
        #expect(try store.defaultSetID() == today)
        #expect(try store.load().setID == today)
        let rebuilt = try save(2026, 1, 31, hour: 8)  // the same day, built later: the newest of that day
        #expect(try store.defaultSetID() == rebuilt)
    }
}
