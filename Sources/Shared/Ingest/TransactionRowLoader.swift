import OmnisegCore
import Workspace

/// Loads transaction lines (one row per product line of an order).
struct TransactionRowLoader: RowLoader {
    let dates: TimestampParser

    static let insertSQL = """
        INSERT INTO txn (source, customer_id, ts, channel, store_id, order_id, sku, department, quantity,
            amount_cents, discounted, file_id)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
        """
    static let parameterCount: Int32 = 11
    static let refersToCustomer = true
    static let bindsLine = false

    func bind(_ v: [UnsafeRawBufferPointer], to s: SQLiteStatement, warnings: inout [FieldWarning]) -> RowRejection? {
        if let r = RowCheck.text(v[0], "source", required: true, at: 1, s) { return r }
        if let r = RowCheck.text(v[1], "customer_id", required: true, at: 2, s) { return r }
        let ts: Int64
        switch RowCheck.timestamp(v[2], "timestamp", dates) {
        case .success(let t): ts = t
        case .failure(let r): return r
        }
        s.bind(ts, at: 3)
        guard let channel = Channel(bytes: v[3]) else {
            return RowRejection(column: "channel", reason: "'\(RowCheck.preview(v[3]))' is not a channel; expected store, web or app")
        }
        s.bind(Int64(channel.rawValue), at: 4)
        if let r = RowCheck.text(v[4], "store_id", required: false, at: 5, s) { return r }
        if v[5].isEmpty {
            s.bind("\(String(decoding: v[1], as: UTF8.self))@\(ts)", at: 6)
        } else if let r = RowCheck.text(v[5], "order_id", required: true, at: 6, s) {
            return r
        }
        if let r = RowCheck.text(v[6], "sku", required: true, at: 7, s) { return r }
        if v[7].isEmpty {
            s.bind("unknown", at: 8)
        } else if let r = RowCheck.text(v[7], "department", required: true, at: 8, s) {
            return r
        }
        if v[8].isEmpty {
            s.bind(Int64(1), at: 9)
        } else if let q = FieldParsers.integer(v[8]), q >= 1, q <= 100_000 {
            s.bind(q, at: 9)
        } else {
            return RowRejection(column: "quantity", reason: "'\(RowCheck.preview(v[8]))' is not a whole number from 1 to 100000")
        }
        guard let cents = FieldParsers.cents(v[9]) else {
            return RowRejection(column: "amount", reason: v[9].isEmpty ? "is empty; expected a decimal amount" : "'\(RowCheck.preview(v[9]))' is not a decimal amount")
        }
        guard cents >= 0 else {
            return RowRejection(column: "amount", reason: "'\(RowCheck.preview(v[9]))' is negative; expected an amount ≥ 0 (returns are not loaded)")
        }
        s.bind(cents, at: 10)
        guard let discounted = FieldParsers.boolean(v[10]) else {
            return RowRejection(column: "discounted", reason: "'\(RowCheck.preview(v[10]))' is not a flag; expected true/false, 1/0 or yes/no")
        }
        s.bind(Int64(discounted ? 1 : 0), at: 11)
        return nil
    }
}
