import Ingest
import OmnisegCore
import Workspace

/// A ground truth of who is who, read from a CSV file in one of two shapes:
/// - an entity column: `source,source_id,<entity>` where `<entity>` is named `entity_id`, `entity`,
///   `person`, `person_id`, `cluster_id` or `truth_id` (what the generator's `truth_records.csv` is);
///   only the records listed are evaluated;
/// - pairs: `source_a,source_id_a,source_b,source_id_b`, each line two records of one entity; the
///   entities are the pairs' connected groups, and every other record is an entity of its own.
public struct IdentityTruth: Sendable {
    /// The true entity of each listed record, by ``key(source:sourceID:)``.
    public private(set) var entities: [String: Int64] = [:]
    /// Whether records the file does not list are entities of their own (pairs) or unknown (entity column).
    public let unlistedAreSingletons: Bool

    static let entityColumns = ["entity_id", "entity", "person", "person_id", "cluster_id", "truth_id"]
    static let pairColumns = ["source_a", "source_id_a", "source_b", "source_id_b"]

    /// The lookup key of a record.
    public static func key(source: String, sourceID: String) -> String { source + "\u{1F}" + sourceID }

    /// Reads `path`; every bad line is an error naming the file, line and what was expected.
    public static func read(csvAt path: String) throws(OmnisegError) -> IdentityTruth {
        let reader = try CSVReader(path: path)
        var columns: [Int]?
        var pairsShape = false
        var entityIDs: [String: Int64] = [:]
        var recordIndex: [String: Int] = [:]
        var groups = UnionFind(count: 0)
        var entities: [String: Int64] = [:]
        func record(_ key: String) -> Int {
            if let i = recordIndex[key] { return i }
            recordIndex[key] = groups.count
            groups.append()
            return groups.count - 1
        }
        try reader.forEachRecord { (row: borrowing CSVRecord) throws(OmnisegError) -> Bool in
            let place: [(String, String)] = [("file", path), ("line", "\(row.line)")]
            if let problem = row.problem { throw OmnisegError(.badInput, problem, context: place) }
            let fields = (0..<row.count).map { row.string($0).trimmedSpaces }
            guard let found = columns else {
                let names = fields.map { $0.lowercased() }
                let pairs = pairColumns.compactMap { names.firstIndex(of: $0) }
                if pairs.count == pairColumns.count {
                    columns = pairs
                    pairsShape = true
                } else if let source = names.firstIndex(of: "source"), let id = names.firstIndex(of: "source_id"),
                          let entity = entityColumns.lazy.compactMap({ names.firstIndex(of: $0) }).first {
                    columns = [source, id, entity]
                } else {
                    throw OmnisegError(.badInput, "a truth file's header names source, source_id and an entity column (\(entityColumns.joined(separator: ", "))), "
                                       + "or the pair columns \(pairColumns.joined(separator: ", ")); found: \(names.joined(separator: ","))", context: place)
                }
                return true
            }
            guard fields.count > (found.max() ?? 0) else {
                throw OmnisegError(.badInput, "expected \(found.max().map { $0 + 1 } ?? 0) fields or more, found \(fields.count)", context: place)
            }
            let values = found.map { fields[$0] }
            for (value, name) in zip(values, pairsShape ? pairColumns : ["source", "source_id", "entity"]) where value.isEmpty {
                throw OmnisegError(.badInput, "\(name) is empty; a value is required", context: place + [("field", name)])
            }
            if pairsShape {
                groups.union(record(key(source: values[0], sourceID: values[1])), record(key(source: values[2], sourceID: values[3])))
            } else {
                let key = key(source: values[0], sourceID: values[1])
                let entity = entityIDs[values[2]] ?? Int64(entityIDs.count)
                entityIDs[values[2]] = entity
                if let earlier = entities[key], earlier != entity {
                    throw OmnisegError(.badInput, "record \(values[0]):\(values[1]) is given two entities", context: place + [("field", "entity")])
                }
                entities[key] = entity
            }
            return true
        }
        guard columns != nil else { throw OmnisegError(.badInput, "the truth file is empty", context: [("file", path)]) }
        if pairsShape {
            for (key, i) in recordIndex { entities[key] = Int64(groups.find(i)) }
        }
        var truth = IdentityTruth(unlistedAreSingletons: pairsShape)
        truth.entities = entities
        return truth
    }

    /// Resolution's people in `workspace` against this truth, with the listed records resolution has not seen.
    public func quality(of workspace: Workspace) throws(OmnisegError) -> (quality: LinkageQuality, missing: Int) {
        try quality(try workspace.db.prepare("SELECT source, source_id, person_id FROM person_link"))
    }

    /// The obvious baseline over the same records: people joined on their normalized e-mail alone.
    public func emailOnlyBaseline(of workspace: Workspace) throws(OmnisegError) -> LinkageQuality {
        // Each e-mail's people are numbered by its first record; records without one stand alone (negative ids).
        let normalizer = IdentifierNormalizer()
        var emails: [String: Int64] = [:]
        var rows: [(String, String, Int64)] = []
        var alone: Int64 = -1
        let records = try workspace.db.prepare("""
            SELECT l.source, l.source_id, r.email FROM person_link l
            LEFT JOIN customer_record r ON r.source = l.source AND r.source_id = l.source_id
            """)
        while try records.step() {
            let id: Int64
            if let email = records.string(at: 2).flatMap(normalizer.email) {
                id = emails[email] ?? Int64(emails.count)
                emails[email] = id
            } else {
                id = alone
                alone -= 1
            }
            rows.append((records.string(at: 0) ?? "", records.string(at: 1) ?? "", id))
        }
        return quality(rows).quality
    }

    private func quality(_ statement: SQLiteStatement) throws(OmnisegError) -> (quality: LinkageQuality, missing: Int) {
        var rows: [(String, String, Int64)] = []
        while try statement.step() { rows.append((statement.string(at: 0) ?? "", statement.string(at: 1) ?? "", statement.int64(at: 2))) }
        return quality(rows)
    }

    /// `rows` (source, source id, person) against the truth.
    private func quality(_ rows: [(source: String, sourceID: String, person: Int64)]) -> (quality: LinkageQuality, missing: Int) {
        var person: [Int64] = [], entity: [Int64] = []
        var seen = 0
        var nextSingleton = Int64(entities.count) + (1 << 40)
        for row in rows {
            let key = Self.key(source: row.source, sourceID: row.sourceID)
            if let e = entities[key] {
                seen += 1
                entity.append(e)
            } else if unlistedAreSingletons {
                entity.append(nextSingleton)
                nextSingleton += 1
            } else {
                continue
            }
            person.append(row.person)
        }
        return (LinkageQuality(person: person, entity: entity), entities.count - seen)
    }
}
