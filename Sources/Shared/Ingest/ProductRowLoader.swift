import Workspace

/// Loads the product catalogue; a product already present (same sku) is updated.
struct ProductRowLoader: RowLoader {
    let dates: TimestampParser

    static let insertSQL = """
        INSERT INTO product (sku, name, department, price_cents, arrival_ts, file_id, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        ON CONFLICT (sku) DO UPDATE SET name = excluded.name, department = excluded.department,
            price_cents = excluded.price_cents, arrival_ts = excluded.arrival_ts, file_id = excluded.file_id, line = excluded.line
        """
    static let refersToCustomer = false
    static let bindsLine = true
    static let parameterCount: Int32 = 5

    func bind(_ v: [UnsafeRawBufferPointer], to s: SQLiteStatement, warnings: inout [FieldWarning]) -> RowRejection? {
        if let r = RowCheck.text(v[0], "sku", required: true, at: 1, s) { return r }
        if let r = RowCheck.text(v[1], "name", required: false, at: 2, s) { return r }
        if let r = RowCheck.text(v[2], "department", required: true, at: 3, s) { return r }
        if v[3].isEmpty {
            s.bindNull(at: 4)
        } else if let cents = FieldParsers.cents(v[3]), cents >= 0 {
            s.bind(cents, at: 4)
        } else {
            return RowRejection(column: "price", reason: "'\(RowCheck.preview(v[3]))' is not a non-negative decimal amount")
        }
        if v[4].isEmpty {
            s.bindNull(at: 5)
        } else if let t = dates.parse(v[4]) ?? TimestampParser.iso8601.parse(v[4]) {
            s.bind(t, at: 5)
        } else {
            return RowRejection(column: "arrival_date", reason: "'\(RowCheck.preview(v[4]))' is not \(dates.expectation)")
        }
        return nil
    }
}
