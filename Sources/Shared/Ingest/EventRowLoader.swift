import OmnisegCore
import Workspace

/// Loads behavioural events (views, cart-adds, searches, logins).
struct EventRowLoader: RowLoader {
    let dates: TimestampParser

    static let insertSQL = """
        INSERT INTO event (source, customer_id, ts, kind, sku, department, file_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        """
    static let parameterCount: Int32 = 6
    static let refersToCustomer = true
    static let bindsLine = false

    func bind(_ v: [UnsafeRawBufferPointer], to s: SQLiteStatement, warnings: inout [FieldWarning]) -> RowRejection? {
        if let r = RowCheck.text(v[0], "source", required: true, at: 1, s) { return r }
        if let r = RowCheck.text(v[1], "customer_id", required: true, at: 2, s) { return r }
        switch RowCheck.timestamp(v[2], "timestamp", dates) {
        case .success(let t): s.bind(t, at: 3)
        case .failure(let r): return r
        }
        guard let kind = EventKind(bytes: v[3]) else {
            return RowRejection(column: "event", reason: "'\(RowCheck.preview(v[3]))' is not an event; expected view, cart_add, search or login")
        }
        s.bind(Int64(kind.rawValue), at: 4)
        if let r = RowCheck.text(v[4], "sku", required: false, at: 5, s) { return r }
        if let r = RowCheck.text(v[5], "department", required: false, at: 6, s) { return r }
        return nil
    }
}
