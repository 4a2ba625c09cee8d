import OmnisegCore
import Workspace

/// Loads source customer records; a record already present (same source and source id) is updated.
struct CustomerRowLoader: RowLoader {
    let dates: TimestampParser

    static let insertSQL = """
        INSERT INTO customer_record (source, source_id, email, phone, loyalty_id, first_name, last_name, gender,
            birth_date, street, postcode, city, street_number, address_line_2, region, country, file_id, line)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
        ON CONFLICT (source, source_id) DO UPDATE SET
            email = excluded.email, phone = excluded.phone, loyalty_id = excluded.loyalty_id,
            first_name = excluded.first_name, last_name = excluded.last_name, gender = excluded.gender,
            birth_date = excluded.birth_date, street = excluded.street, postcode = excluded.postcode,
            city = excluded.city, street_number = excluded.street_number, address_line_2 = excluded.address_line_2,
            region = excluded.region, country = excluded.country, file_id = excluded.file_id, line = excluded.line
        """
    static let refersToCustomer = false
    static let bindsLine = true
    static let parameterCount: Int32 = 16
    /// The optional text columns after the first seven and their parameter numbers.
    static let optionalText: [(column: String, value: Int, parameter: Int32)] = [
        ("email", 2, 3), ("phone", 3, 4), ("loyalty_id", 4, 5), ("first_name", 5, 6), ("last_name", 6, 7),
        ("street", 9, 10), ("postcode", 10, 11), ("city", 11, 12),
        ("street_number", 12, 13), ("address_line_2", 13, 14), ("region", 14, 15), ("country", 15, 16),
    ]

    /// The source and source id must be there; every other field is optional: one that does not parse
    /// (a birth date like 19560231, an unknown gender, text that is not UTF-8) is left out with a
    /// warning, and the record is kept.
    func bind(_ v: [UnsafeRawBufferPointer], to s: SQLiteStatement, warnings: inout [FieldWarning]) -> RowRejection? {
        if let r = RowCheck.text(v[0], "source", required: true, at: 1, s) { return r }
        if let r = RowCheck.text(v[1], "source_id", required: true, at: 2, s) { return r }
        for field in Self.optionalText { RowCheck.optionalText(v[field.value], field.column, at: field.parameter, s, &warnings) }
        switch Self.gender(v[7]) {
        case .some(let g): s.bind(g, at: 8)
        case .none:
            s.bindNull(at: 8)
            warnings.append(FieldWarning(column: "gender", reason: "is not a gender (expected F, M, X or empty); left out", value: RowCheck.preview(v[7])))
        }
        if v[8].isEmpty {
            s.bindNull(at: 9)
        } else if let seconds = dates.parse(v[8]) ?? TimestampParser.iso8601.parse(v[8]) {
            s.bind(CivilDate.isoDate(unixSeconds: seconds), at: 9)
        } else {
            s.bindNull(at: 9)
            warnings.append(FieldWarning(column: "birth_date", reason: "is not \(dates.expectation); left out", value: RowCheck.preview(v[8])))
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
