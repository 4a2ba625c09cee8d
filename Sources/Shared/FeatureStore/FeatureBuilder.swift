import Features
import Identity
import OmnisegCore
import Workspace

/// Options for building features.
public struct FeatureOptions: Sendable {
    /// Count only what happened up to the end of this day (Unix seconds of any time in it); default:
    /// the day of the last transaction.
    public var asOf: Int64?
    /// Rows per shard (default 65,536).
    public var shardRows: Int
    /// A purchase within this many days of the product's arrival counts as a new arrival.
    public var newArrivalDays: Int
    /// At most this many department share columns (by revenue); the rest are summed into `dept_share_other`.
    public var maxDepartments: Int

    public init(asOf: Int64? = nil, shardRows: Int = 65_536, newArrivalDays: Int = 60, maxDepartments: Int = 12) {
        self.asOf = asOf
        self.shardRows = shardRows
        self.newArrivalDays = newArrivalDays
        self.maxDepartments = maxDepartments
    }
}

/// Builds one feature row per person from the workspace's transactions, events and person links.
///
/// Features (days and amounts as float32; amounts in currency units):
/// `recency_days`, `frequency` (distinct orders), `monetary`, `avg_order_value`; the same three for
/// `store_` and `online_` (web + app); `online_share` and `app_share` of revenue; `tenure_days` since
/// the first purchase or event; `discount_share` and `new_arrival_share` of revenue;
/// `dept_share_<department>` of revenue; `views_`, `cart_adds_`, `logins_` over the last 30 and 90 days
/// and `searches_90d`; for churn, `purchase_interval_days` (the mean days between orders: first to
/// last order over orders − 1; the span of the data with fewer than two orders), `overdue_ratio`
/// (recency over that interval), `orders_90d`, `orders_prior_90d` (days 91–180 before the as-of date),
/// `spend_90d`, `spend_prior_90d`, the trends `order_trend_90d` and `spend_trend_90d` ((last − prior) /
/// (last + prior), 0 when both are 0) and `distinct_departments`. A person with no purchase has
/// recency equal to the span of the data. (Distinct products would need a set of every person's
/// products — about 1.4 GB at 10M people — so they are not counted yet.)
public struct FeatureBuilder {
    public let options: FeatureOptions
    static let day: Int64 = 86_400

    public init(options: FeatureOptions = FeatureOptions()) {
        self.options = options
    }

    /// Computes the matrix (not yet stored).
    public func build(_ workspace: Workspace) throws(OmnisegError) -> FeatureMatrix {
        let lookup = try PersonLookup(workspace: workspace)
        let people = lookup.people
        let db = workspace.db
        guard let lastTs = try db.scalar("SELECT max(ts) FROM txn")?.integer, let firstTs = try db.scalar("SELECT min(ts) FROM txn")?.integer else {
            throw OmnisegError(.precondition, "no transactions: ingest some before building features", context: [("workspace", workspace.path)])
        }
        let asOfDay = (options.asOf ?? lastTs) / Self.day
        let asOf = (asOfDay + 1) * Self.day - 1
        let spanDays = Float(max(0, asOf - min(firstTs, asOf))) / Float(Self.day)

        // Products: arrival times by sku.
        var skuIndex = ByteKeyTable(capacity: 1024)
        var arrivals: [Int64] = []
        let products = try db.prepare("SELECT sku, arrival_ts FROM product WHERE arrival_ts IS NOT NULL")
        while try products.step() {
            let inserted = products.withBytes(at: 0) { skuIndex.insert($0, value: Int32(arrivals.count)).inserted }
            if inserted { arrivals.append(products.int64(at: 1)) }
        }

        var acc = Accumulators(people: people)
        var departments = ByteKeyTable(capacity: 64)
        var departmentNames: [String] = []
        var orders = UInt64Set(capacity: people * 4)
        let from90 = asOf - 90 * Self.day, from30 = asOf - 30 * Self.day, from180 = asOf - 180 * Self.day
        let newArrivalSeconds = Int64(options.newArrivalDays) * Self.day

        let txns = try db.prepare("SELECT source, customer_id, ts, channel, order_id, sku, department, amount_cents, discounted FROM txn WHERE ts <= ?")
        txns.bind(asOf, at: 1)
        while try txns.step() {
            guard let row = lookup.row(ofCurrentRowOf: txns) else { continue }
            let ts = txns.int64(at: 2)
            let channel = Int(txns.int64(at: 3))
            let amount = txns.int64(at: 7)
            guard (0..<3).contains(channel) else { continue }
            let orderHash = txns.withBytes(at: 4) { Self.orderKey(row: row, order: $0) }
            if orders.insert(orderHash) {
                acc.orders[row * 3 + channel] += 1
                if ts > from90 { acc.orders90[row] += 1 } else if ts > from180 { acc.ordersPrior90[row] += 1 }
            }
            acc.revenue[row * 3 + channel] += amount
            if ts > from90 { acc.spend90[row] += amount } else if ts > from180 { acc.spendPrior90[row] += amount }
            acc.firstPurchase[row] = min(acc.firstPurchase[row], ts)
            let group = channel == 0 ? 0 : 1
            acc.lastPurchase[row * 2 + group] = max(acc.lastPurchase[row * 2 + group], ts)
            acc.firstSeen[row] = min(acc.firstSeen[row], ts)
            if txns.int64(at: 8) != 0 { acc.discountRevenue[row] += amount }
            if let p = txns.withBytes(at: 5, { skuIndex.find($0) }), ts >= arrivals[Int(p)], ts - arrivals[Int(p)] <= newArrivalSeconds {
                acc.newArrivalRevenue[row] += amount
            }
            let dept = txns.withBytes(at: 6) { bytes -> Int in
                let (index, inserted) = departments.insert(bytes, value: Int32(departmentNames.count))
                if inserted { departmentNames.append(String(decoding: bytes, as: UTF8.self)) }
                return Int(index)
            }
            if dept == acc.departmentRevenue.count { acc.departmentRevenue.append([Int64](repeating: 0, count: people)) }
            acc.departmentRevenue[dept][row] += amount
        }

        // One pass over events: window counts, and the first event for tenure (browsing before buying).
        let events = try db.prepare("SELECT source, customer_id, ts, kind FROM event WHERE ts <= ?")
        events.bind(asOf, at: 1)
        while try events.step() {
            guard let row = lookup.row(ofCurrentRowOf: events) else { continue }
            let ts = events.int64(at: 2)
            acc.firstSeen[row] = min(acc.firstSeen[row], ts)
            let kind = Int(events.int64(at: 3))
            guard ts > from90, (0..<4).contains(kind) else { continue }
            acc.events90[row * 4 + kind] += 1
            if ts > from30 { acc.events30[row * 4 + kind] += 1 }
        }

        return assemble(acc, departmentNames: departmentNames, people: lookup.rows, asOf: asOf, spanDays: spanDays)
    }

    /// A 64-bit key for (person row, order id).
    @inline(__always)
    static func orderKey(row: Int, order: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ (UInt64(row) &* 0x9E37_79B9_7F4A_7C15)
        for b in order { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        h ^= h >> 32
        h &*= 0xD6E8_FEB8_6659_FD93
        h ^= h >> 32
        return h
    }

    /// Per-person running totals, in flat arrays indexed by row.
    struct Accumulators {
        var orders: [Int32]             // row*3 + channel
        var revenue: [Int64]            // row*3 + channel
        var lastPurchase: [Int64]       // row*2 + (0 store, 1 online)
        var firstSeen: [Int64]
        var discountRevenue: [Int64]
        var newArrivalRevenue: [Int64]
        var departmentRevenue: [[Int64]] = []
        var events30: [Int32]           // row*4 + kind
        var events90: [Int32]
        var firstPurchase: [Int64]
        var orders90: [Int32]
        var ordersPrior90: [Int32]      // days 91–180 before the as-of date
        var spend90: [Int64]
        var spendPrior90: [Int64]

        init(people: Int) {
            orders = Array(repeating: 0, count: people * 3)
            revenue = Array(repeating: 0, count: people * 3)
            lastPurchase = Array(repeating: Int64.min, count: people * 2)
            firstSeen = Array(repeating: Int64.max, count: people)
            discountRevenue = Array(repeating: 0, count: people)
            newArrivalRevenue = Array(repeating: 0, count: people)
            events30 = Array(repeating: 0, count: people * 4)
            events90 = Array(repeating: 0, count: people * 4)
            firstPurchase = Array(repeating: Int64.max, count: people)
            orders90 = Array(repeating: 0, count: people)
            ordersPrior90 = Array(repeating: 0, count: people)
            spend90 = Array(repeating: 0, count: people)
            spendPrior90 = Array(repeating: 0, count: people)
        }
    }

    private func assemble(_ acc: Accumulators, departmentNames: [String], people rows: PersonRows, asOf: Int64, spanDays: Float) -> FeatureMatrix {
        let people = rows.count
        // Department columns: the largest by revenue (ties by name), the rest as "other".
        let totals = acc.departmentRevenue.map { $0.reduce(0, +) }
        let ranked = departmentNames.indices.sorted { (totals[$0], departmentNames[$1]) > (totals[$1], departmentNames[$0]) }
        let kept = Array(ranked.prefix(options.maxDepartments))
        let hasOther = ranked.count > kept.count

        var names = ["recency_days", "frequency", "monetary", "avg_order_value",
                     "store_recency_days", "store_frequency", "store_monetary",
                     "online_recency_days", "online_frequency", "online_monetary",
                     "online_share", "app_share", "tenure_days", "discount_share", "new_arrival_share"]
        let departmentBase = names.count
        names += kept.map { FeatureColumn.departmentShare(departmentNames[$0]) }
        if hasOther { names.append("dept_share_other") }
        let eventBase = names.count
        names += ["views_30d", "views_90d", "cart_adds_30d", "cart_adds_90d", "logins_30d", "logins_90d", "searches_90d"]
        let churnBase = names.count
        names += ["purchase_interval_days", "overdue_ratio", "orders_90d", "orders_prior_90d", "spend_90d", "spend_prior_90d",
                  "order_trend_90d", "spend_trend_90d", "distinct_departments"]
        func trend(_ last: Double, _ prior: Double) -> Float { last + prior > 0 ? Float((last - prior) / (last + prior)) : 0 }

        let day = Float(Self.day)
        func recency(_ ts: Int64) -> Float { ts == Int64.min ? spanDays : Float(asOf - ts) / day }
        func share(_ part: Int64, _ whole: Int64) -> Float { whole > 0 ? Float(Double(part) / Double(whole)) : 0 }

        var shards: [FeatureShard] = []
        var start = 0
        while start < people {
            let count = min(options.shardRows, people - start)
            let shard = FeatureShard(rowStart: start, rowCount: count, columnCount: names.count)
            var columns = (0..<names.count).map { shard.mutableColumn($0) }
            for i in 0..<count {
                let r = start + i
                let storeOrders = acc.orders[r * 3], onlineOrders = acc.orders[r * 3 + 1] + acc.orders[r * 3 + 2]
                let storeRevenue = acc.revenue[r * 3], appRevenue = acc.revenue[r * 3 + 2]
                let onlineRevenue = acc.revenue[r * 3 + 1] + appRevenue
                let revenue = storeRevenue + onlineRevenue
                let orders = storeOrders + onlineOrders
                let last = max(acc.lastPurchase[r * 2], acc.lastPurchase[r * 2 + 1])
                columns[0][i] = recency(last)
                columns[1][i] = Float(orders)
                columns[2][i] = Float(Double(revenue) / 100)
                columns[3][i] = orders > 0 ? Float(Double(revenue) / 100 / Double(orders)) : 0
                columns[4][i] = recency(acc.lastPurchase[r * 2])
                columns[5][i] = Float(storeOrders)
                columns[6][i] = Float(Double(storeRevenue) / 100)
                columns[7][i] = recency(acc.lastPurchase[r * 2 + 1])
                columns[8][i] = Float(onlineOrders)
                columns[9][i] = Float(Double(onlineRevenue) / 100)
                columns[10][i] = share(onlineRevenue, revenue)
                columns[11][i] = share(appRevenue, onlineRevenue)
                columns[12][i] = acc.firstSeen[r] == Int64.max ? 0 : Float(asOf - acc.firstSeen[r]) / day
                columns[13][i] = share(acc.discountRevenue[r], revenue)
                columns[14][i] = share(acc.newArrivalRevenue[r], revenue)
                var other = revenue
                for (k, d) in kept.enumerated() {
                    let part = acc.departmentRevenue[d][r]
                    columns[departmentBase + k][i] = share(part, revenue)
                    other -= part
                }
                if hasOther { columns[departmentBase + kept.count][i] = share(other, revenue) }
                let kinds = [EventKind.view, .cartAdd, .login]
                for (k, kind) in kinds.enumerated() {
                    columns[eventBase + 2 * k][i] = Float(acc.events30[r * 4 + kind.rawValue])
                    columns[eventBase + 2 * k + 1][i] = Float(acc.events90[r * 4 + kind.rawValue])
                }
                columns[eventBase + 6][i] = Float(acc.events90[r * 4 + EventKind.search.rawValue])
                let interval = orders > 1 ? Float(last - acc.firstPurchase[r]) / day / Float(orders - 1) : spanDays
                columns[churnBase][i] = interval
                columns[churnBase + 1][i] = recency(last) / max(interval, 1)
                columns[churnBase + 2][i] = Float(acc.orders90[r])
                columns[churnBase + 3][i] = Float(acc.ordersPrior90[r])
                columns[churnBase + 4][i] = Float(Double(acc.spend90[r]) / 100)
                columns[churnBase + 5][i] = Float(Double(acc.spendPrior90[r]) / 100)
                columns[churnBase + 6][i] = trend(Double(acc.orders90[r]), Double(acc.ordersPrior90[r]))
                columns[churnBase + 7][i] = trend(Double(acc.spend90[r]), Double(acc.spendPrior90[r]))
                columns[churnBase + 8][i] = Float(acc.departmentRevenue.reduce(0) { $0 + ($1[r] != 0 ? 1 : 0) })
            }
            columns.removeAll()
            shards.append(shard)
            start += count
        }
        let (means, stds) = Self.standardization(shards, columns: names.count)
        return FeatureMatrix(setID: 0, asOf: asOf, names: names, shards: shards, shardRows: options.shardRows, means: means, stds: stds,
                             people: rows)
    }

    /// Mean and population standard deviation per column: per-shard (count, mean, M2) partials in
    /// Double, merged in shard order (Chan et al.), so the result does not depend on how shards are split over workers.
    static func standardization(_ shards: [FeatureShard], columns: Int) -> ([Double], [Double]) {
        var means = [Double](repeating: 0, count: columns)
        var stds = [Double](repeating: 0, count: columns)
        for c in 0..<columns {
            var n = 0.0, mean = 0.0, m2 = 0.0
            for shard in shards {
                let values = shard.column(c)
                var sum = 0.0
                for i in 0..<shard.rowCount { sum += Double(values[i]) }
                let count = Double(shard.rowCount)
                let shardMean = sum / count
                var shardM2 = 0.0
                for i in 0..<shard.rowCount { let d = Double(values[i]) - shardMean; shardM2 += d * d }
                let total = n + count
                let delta = shardMean - mean
                mean += delta * count / total
                m2 += shardM2 + delta * delta * n * count / total
                n = total
            }
            means[c] = mean
            stds[c] = n > 0 ? (m2 / n).squareRoot() : 0
        }
        return (means, stds)
    }
}
