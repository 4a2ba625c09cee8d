import Features
import Identity
import OmnisegCore
import Recommend
import Workspace

/// Reads each person's interactions from the workspace for a feature set: purchases (store or
/// online) from transactions, views and cart-adds from events, up to the set's as-of time
/// (optionally only the last `withinDays`), grouped into one ``InteractionShard`` per feature shard.
public struct InteractionBuilder {
    public var level: ItemLevel
    /// Only interactions in the days before the as-of time; nil for all.
    public var withinDays: Int?

    public init(level: ItemLevel = .item, withinDays: Int? = nil) {
        self.level = level
        self.withinDays = withinDays
    }

    /// The catalogue and the interactions of every shard of `matrix`.
    public func build(_ workspace: Workspace, matrix: FeatureMatrix) throws(OmnisegError) -> (catalog: ItemCatalog, shards: [InteractionShard]) {
        let lookup = try Self.lookup(workspace, matrix: matrix)
        let end = matrix.asOf
        let start = withinDays.map { end - Int64($0) * 86_400 + 1 } ?? Int64.min
        var collected = Collected()
        try collectPurchases(into: &collected, from: start, through: end, in: workspace, lookup: lookup)
        // Events: views and cart-adds of a product (column 4 = sku, 5 = department).
        let events = try workspace.db.prepare("SELECT source, customer_id, ts, kind, sku, department FROM event WHERE ts >= ? AND ts <= ? AND kind IN (?, ?)")
        events.bind(start, at: 1)
        events.bind(end, at: 2)
        events.bind(Int64(EventKind.view.rawValue), at: 3)
        events.bind(Int64(EventKind.cartAdd.rawValue), at: 4)
        let eventItem: Int32 = level == .item ? 4 : 5
        while try events.step() {
            guard !events.isNull(at: eventItem), !events.isNull(at: 5), let row = lookup.row(ofCurrentRowOf: events) else { continue }
            let action: InteractionAction = events.int64(at: 3) == Int64(EventKind.view.rawValue) ? .view : .cartAdd
            collected.add(row: row, action: action, ts: events.int64(at: 2), statement: events, item: eventItem, department: 5)
        }
        let catalog = collected.catalog(level: level)
        guard catalog.catalog.count < 1 << 30 else { throw OmnisegError(.badInput, "more than 2^30 distinct items: the recommender takes fewer") }
        let shards = collected.shards(matrix.shards.map { ($0.rowStart, $0.rowCount) }, people: matrix.rowCount, idOfTemporary: catalog.temporaryToID)
        return (catalog.catalog, shards)
    }

    /// The purchases in the `days` after the as-of time of every shard of `matrix` (a time-split
    /// holdout), with the ids of `catalog`; an item the catalogue lacks gets an id from
    /// `catalog.count` up (never recommendable, but it counts as something the person bought).
    public func purchases(after matrix: FeatureMatrix, days: Int, in workspace: Workspace, catalog: ItemCatalog) throws(OmnisegError) -> [InteractionShard] {
        let lookup = try Self.lookup(workspace, matrix: matrix)
        var collected = Collected()
        try collectPurchases(into: &collected, from: matrix.asOf + 1, through: matrix.asOf + Int64(days) * 86_400, in: workspace, lookup: lookup)
        var unknown = 0
        let ids = collected.itemNames.map { name -> UInt32 in
            if let id = catalog.id(of: name) { return UInt32(id) }
            unknown += 1
            return UInt32(catalog.count + unknown - 1)
        }
        return collected.shards(matrix.shards.map { ($0.rowStart, $0.rowCount) }, people: matrix.rowCount, idOfTemporary: ids)
    }

    /// Adds every purchase with `start <= ts <= end` (store or online, by the transaction's channel).
    private func collectPurchases(into collected: inout Collected, from start: Int64, through end: Int64, in workspace: Workspace,
                                  lookup: PersonLookup) throws(OmnisegError) {
        let txns = try workspace.db.prepare("SELECT source, customer_id, ts, channel, sku, department FROM txn WHERE ts >= ? AND ts <= ?")
        txns.bind(start, at: 1)
        txns.bind(end, at: 2)
        let itemColumn: Int32 = level == .item ? 4 : 5
        while try txns.step() {
            guard let row = lookup.row(ofCurrentRowOf: txns) else { continue }
            let action: InteractionAction = txns.int64(at: 3) == Int64(Channel.store.rawValue) ? .storePurchase : .onlinePurchase
            collected.add(row: row, action: action, ts: txns.int64(at: 2), statement: txns, item: itemColumn, department: 5)
        }
    }

    private static func lookup(_ workspace: Workspace, matrix: FeatureMatrix) throws(OmnisegError) -> PersonLookup {
        try PersonLookup(workspace: workspace, rowsOf: matrix.people, setID: matrix.setID)
    }

    /// One person's interactions up to `asOf`, with the ids of `catalog` (items it lacks are left out:
    /// they were not in the run the catalogue came from), as a one-row shard at `row`.
    public func history(ofPerson person: Int64, row: Int, in workspace: Workspace, asOf: Int64, catalog: ItemCatalog) throws(OmnisegError) -> InteractionShard {
        let start = withinDays.map { asOf - Int64($0) * 86_400 + 1 } ?? Int64.min
        let owner = "(source, customer_id) IN (SELECT source, source_id FROM person_link WHERE person_id = ?)"
        let item = level == .item ? "sku" : "department"
        let queries = [
            "SELECT ts, CASE channel WHEN \(Channel.store.rawValue) THEN 0 ELSE 1 END, \(item) FROM txn WHERE ts >= ? AND ts <= ? AND \(owner)",
            "SELECT ts, CASE kind WHEN \(EventKind.view.rawValue) THEN 2 ELSE 3 END, \(item) FROM event WHERE ts >= ? AND ts <= ? AND kind IN (\(EventKind.view.rawValue), "
                + "\(EventKind.cartAdd.rawValue)) AND \(item) IS NOT NULL AND \(owner)",
        ]
        var keys: [(day: Int32, action: UInt8, item: UInt32)] = []
        for sql in queries {
            let statement = try workspace.db.prepare(sql)
            statement.bind(start, at: 1)
            statement.bind(asOf, at: 2)
            statement.bind(person, at: 3)
            while try statement.step() {
                guard let name = statement.string(at: 2), let id = catalog.id(of: name) else { continue }
                let ts = statement.int64(at: 0)
                keys.append((Int32(CivilDate.day(unixSeconds: ts)), UInt8(statement.int64(at: 1)), UInt32(id)))
            }
        }
        keys.sort { ($0.day, $0.action, $0.item) < ($1.day, $1.action, $1.item) }
        return InteractionShard(rowStart: row, offsets: [0, UInt32(keys.count)], items: keys.map(\.item), actions: keys.map(\.action), days: keys.map(\.day))
    }

    /// Interactions as read, with temporary item ids in order of first sight.
    private struct Collected {
        var rows: [Int32] = []
        var items: [Int32] = []
        var actions: [UInt8] = []
        var days: [Int32] = []
        var itemTable = ByteKeyTable(capacity: 4096)
        var itemNames: [String] = []
        var itemDepartment: [Int32] = []
        var departmentTable = ByteKeyTable(capacity: 64)
        var departmentNames: [String] = []

        mutating func add(row: Int, action: InteractionAction, ts: Int64, statement: SQLiteStatement, item: Int32, department: Int32) {
            let d = statement.withBytes(at: department) { bytes -> Int32 in
                let (index, inserted) = departmentTable.insert(bytes, value: Int32(departmentNames.count))
                if inserted { departmentNames.append(String(decoding: bytes, as: UTF8.self)) }
                return index
            }
            let i = statement.withBytes(at: item) { bytes -> Int32 in
                let (index, inserted) = itemTable.insert(bytes, value: Int32(itemNames.count))
                if inserted {
                    itemNames.append(String(decoding: bytes, as: UTF8.self))
                    itemDepartment.append(d)
                }
                return index
            }
            rows.append(Int32(row))
            items.append(i)
            actions.append(action.rawValue)
            days.append(Int32(CivilDate.day(unixSeconds: ts)))
        }

        func catalog(level: ItemLevel) -> (catalog: ItemCatalog, temporaryToID: [UInt32]) {
            let order = itemNames.indices.sorted { itemNames[$0] < itemNames[$1] }
            var temporaryToID = [UInt32](repeating: 0, count: itemNames.count)
            for (id, t) in order.enumerated() { temporaryToID[t] = UInt32(id) }
            let departmentOrder = departmentNames.indices.sorted { departmentNames[$0] < departmentNames[$1] }
            var departmentID = [UInt16](repeating: 0, count: departmentNames.count)
            for (id, t) in departmentOrder.enumerated() { departmentID[t] = UInt16(clamping: id) }
            return (ItemCatalog(level: level, names: order.map { itemNames[$0] }, departments: order.map { departmentID[Int(itemDepartment[$0])] },
                                departmentNames: departmentOrder.map { departmentNames[$0] }), temporaryToID)
        }

        /// The interactions of every shard (`(rowStart, rowCount)` in row order), each row's sorted by (day, action, item).
        func shards(_ ranges: [(rowStart: Int, rowCount: Int)], people: Int, idOfTemporary: [UInt32]) -> [InteractionShard] {
            var offsets = [Int](repeating: 0, count: people + 1)
            for r in rows { offsets[Int(r) + 1] += 1 }
            for r in 0..<people { offsets[r + 1] += offsets[r] }
            // (day, action, item) in one sortable key: the day (sign-flipped, so it orders as signed) above 2 bits of action and 30 of item.
            var keys = [UInt64](repeating: 0, count: rows.count)
            var fill = offsets
            for (k, r) in rows.enumerated() {
                let day = UInt64(UInt32(bitPattern: days[k]) ^ 0x8000_0000)
                keys[fill[Int(r)]] = day << 32 | UInt64(actions[k]) << 30 | UInt64(idOfTemporary[Int(items[k])])
                fill[Int(r)] += 1
            }
            for r in 0..<people where offsets[r + 1] - offsets[r] > 1 { keys[offsets[r]..<offsets[r + 1]].sort() }
            return ranges.map { range in
                let first = offsets[range.rowStart], last = offsets[range.rowStart + range.rowCount]
                let slice = keys[first..<last]
                return InteractionShard(rowStart: range.rowStart,
                                        offsets: (range.rowStart...(range.rowStart + range.rowCount)).map { UInt32(offsets[$0] - first) },
                                        items: slice.map { UInt32($0 & 0x3FFF_FFFF) },
                                        actions: slice.map { UInt8($0 >> 30 & 3) },
                                        days: slice.map { Int32(bitPattern: UInt32($0 >> 32) ^ 0x8000_0000) })
            }
        }
    }
}
