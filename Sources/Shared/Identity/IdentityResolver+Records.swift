import Matching
import OmnisegCore
import Workspace

extension IdentityResolver {
    /// The customer_record columns a resolve reads, in the order ``record(_:_:matchFields:_:)`` takes them.
    static let recordColumns = "source, source_id, email, phone, loyalty_id, birth_date, first_name, last_name, street, postcode, city"

    /// One customer_record row (``recordColumns``) as a record, its identifiers normalized; values
    /// present but not usable are counted in `report`.
    func record(_ row: SQLiteStatement, _ normalizer: IdentifierNormalizer, matchFields: Bool, _ report: inout ResolveReport) -> Record {
        var record = Record(source: row.string(at: 0) ?? "", sourceID: row.string(at: 1) ?? "")
        if let raw = row.string(at: 2) {
            record.email = normalizer.email(raw)
            if record.email == nil { report.unusable["email", default: 0] += 1 }
        }
        if let raw = row.string(at: 3) {
            record.phone = normalizer.phone(raw)
            if record.phone == nil { report.unusable["phone", default: 0] += 1 }
        }
        if let raw = row.string(at: 4) {
            record.loyalty = normalizer.loyaltyID(raw)
            if record.loyalty == nil { report.unusable["loyalty_id", default: 0] += 1 }
        }
        record.birthDate = row.string(at: 5)
        record.firstName = row.string(at: 6).map { $0.trimmedSpaces.lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
        record.lastName = row.string(at: 7).map { $0.trimmedSpaces.lowercased() }.flatMap { $0.isEmpty ? nil : $0 }
        if matchFields {
            record.match = MatchRecord(firstName: row.string(at: 6), lastName: row.string(at: 7), birthDate: record.birthDate,
                                       street: row.string(at: 8), postcode: row.string(at: 9), city: row.string(at: 10))
        }
        return record
    }

    /// Customer records plus the (source, id) pairs that occur only in transactions or events; with
    /// `matchFields`, each with the fields probabilistic matching compares.
    func loadRecords(_ workspace: Workspace, matchFields: Bool, _ report: inout ResolveReport) throws(OmnisegError) -> [Record] {
        let normalizer = IdentifierNormalizer(defaultCountryCode: options.defaultCountryCode)
        var records: [Record] = []
        var known = ByteKeyTable(capacity: 1 << 16)
        let customers = try workspace.db.prepare("SELECT \(Self.recordColumns) FROM customer_record")
        while try customers.step() {
            let record = record(customers, normalizer, matchFields: matchFields, &report)
            known.insert(record.source, record.sourceID, value: Int32(records.count))
            records.append(record)
        }
        let references = try workspace.db.prepare("SELECT source, customer_id FROM customer_ref")
        while try references.step() {
            let isNew = references.withBytes(at: 0) { source in
                references.withBytes(at: 1) { id in known.insert(source, id, value: Int32(records.count)).inserted }
            }
            if isNew {
                records.append(Record(source: references.string(at: 0) ?? "", sourceID: references.string(at: 1) ?? ""))
                report.bareRecords += 1
            }
        }
        return records
    }

    /// Reads single records by key, as ``loadRecords(_:matchFields:_:)`` reads them all.
    struct RecordReader {
        let customer: SQLiteStatement
        let reference: SQLiteStatement
        let normalizer: IdentifierNormalizer
        /// Whether records are read with the fields probabilistic matching compares.
        let matchFields: Bool

        init(_ db: SQLiteConnection, defaultCountryCode: String, matchFields: Bool = false) throws(OmnisegError) {
            self.matchFields = matchFields
            customer = try db.prepare("SELECT \(IdentityResolver.recordColumns) FROM customer_record WHERE source = ? AND source_id = ?")
            reference = try db.prepare("SELECT 1 FROM customer_ref WHERE source = ? AND customer_id = ?")
            normalizer = IdentifierNormalizer(defaultCountryCode: defaultCountryCode)
        }

        /// The record `key` names now: its customer record, a bare id seen only in transactions or
        /// events, or nil when the workspace no longer has it.
        func read(_ key: RecordKey, by resolver: IdentityResolver, _ report: inout ResolveReport) throws(OmnisegError) -> Record? {
            customer.reset()
            try customer.bind([.text(key.source), .text(key.sourceID)])
            if try customer.step() { return resolver.record(customer, normalizer, matchFields: matchFields, &report) }
            reference.reset()
            try reference.bind([.text(key.source), .text(key.sourceID)])
            guard try reference.step() else { return nil }
            report.bareRecords += 1
            return Record(source: key.source, sourceID: key.sourceID)
        }
    }
}
