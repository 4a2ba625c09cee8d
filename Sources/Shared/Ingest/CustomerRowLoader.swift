import OmnisegCore
import Workspace

/// Loads source customer records; a record already present (same source and source id) is updated.
struct CustomerRowLoader: RowLoader {
    let dates: TimestampParser

    static let insertSQL = """
        INSERT INTO customer_record (source, source_id, email, phone, loyalty_id, first_name, last_name, gender,
            birth_date, street, postcode, city, file_id, line)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
        ON CONFLICT (source, source_id) DO UPDATE SET
            email = excluded.email, phone = excluded.phone, loyalty_id = excluded.loyalty_id,
            first_name = excluded.first_name, last_name = excluded.last_name, gender = excluded.gender,
            birth_date = excluded.birth_date, street = excluded.street, postcode = excluded.postcode,
            city = excluded.city, file_id = excluded.file_id, line = excluded.line
        """
    static let refersToCustomer = false
    static let bindsLine = true
    static let parameterCount: Int32 = 12

    func bind(_ v: [UnsafeRawBufferPointer], to s: SQLiteStatement) -> RowRejection? {
        let names = ["source", "source_id", "email", "phone", "loyalty_id", "first_name", "last_name"]
        for i in 0..<7 {
            if let r = RowCheck.text(v[i], names[i], required: i < 2, at: Int32(i + 1), s) { return r }
        }
        switch Self.gender(v[7]) {
        case .some(let g): s.bind(g, at: 8)
        case .none: return RowRejection(column: "gender", reason: "'\(RowCheck.preview(v[7]))' is not a gender; expected F, M, X or empty")
        }
        if v[8].isEmpty {
            s.bindNull(at: 9)
        } else if let seconds = dates.parse(v[8]) ?? TimestampParser.iso8601.parse(v[8]) {
            s.bind(CivilDate.isoDate(unixSeconds: seconds), at: 9)
        } else {
            return RowRejection(column: "birth_date", reason: "'\(RowCheck.preview(v[8]))' is not \(dates.expectation)")
        }
        let tail = ["street", "postcode", "city"]
        for i in 0..<3 {
            if let r = RowCheck.text(v[9 + i], tail[i], required: false, at: Int32(10 + i), s) { return r }
        }
        return nil
    }

    /// F, M or X from the common spellings; `.some(nil)` for empty, nil when not recognised.
    static func gender(_ bytes: UnsafeRawBufferPointer) -> String?? {
        if bytes.isEmpty { return .some(nil) }
        switch String(decoding: bytes, as: UTF8.self).lowercased() {
        case "f", "female", "w", "woman": return "F"
        case "m", "male", "man": return "M"
        case "x", "other", "diverse", "nonbinary", "non-binary", "u", "unknown": return "X"
        default: return nil
        }
    }
}
