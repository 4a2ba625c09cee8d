import Features
import Foundation
import Identity
import OmnisegCore
import Recommend
import Segments
import Workspace
import WorkspaceJobs

/// The members of a segment as a list to send a campaign to: per person, the best e-mail, phone and
/// loyalty id (the value most of their records carry, ties by value, normalised), the preferred
/// channel, key features and their top recommendations from the newest recommend run on the same
/// feature set. Written as CSV or as a JSON array, streamed to a file.
public struct AudienceExport {
    public enum FileFormat: String, Sendable, CaseIterable { case csv, json }

    public let workspace: Workspace
    public let matrix: FeatureMatrix
    /// Recommendations per person (0: none).
    public var recommendations = 3

    public init(workspace: Workspace, matrix: FeatureMatrix) {
        self.workspace = workspace
        self.matrix = matrix
    }

    static let featureColumns = ["recency_days", "frequency", "monetary", "online_share", "discount_share"]

    /// Writes the rows of `members` (feature rows; row r is person `matrix.people.id(ofRow: r)`) to
    /// `path`; returns the rows written. Refuses a feature set built on an identity generation other
    /// than the current one: its rows' people may have merged or split since, and contacts are read
    /// from the current links.
    public func write(members: PersonBitset, format: FileFormat, to path: String) throws(OmnisegError) -> Int {
        guard members.count == matrix.rowCount else {
            throw OmnisegError(.badInput, "the members cover \(members.count) people, feature set \(matrix.setID) has \(matrix.rowCount)")
        }
        let current = try IdentityGenerations.current(in: workspace.db)
        guard matrix.people.generation == current, current > 0 else {
            throw IdentityGenerations.stale(setID: matrix.setID, people: matrix.people, current: current, workspace: workspace.path)
        }
        let people = matrix.people
        let contacts = try self.contacts(members)
        let suggestions = try self.suggestions(members)
        let columns = Self.featureColumns.map { name in matrix.names.firstIndex(of: name) }
        let frequency = matrix.names.firstIndex(of: "frequency"), onlineShare = matrix.names.firstIndex(of: "online_share")
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw OmnisegError(.io, "cannot create the audience file", context: [("file", path)])
        }
        defer { try? handle.close() }
        var out = ""
        func flush(_ force: Bool) throws(OmnisegError) {
            guard force || out.utf8.count > 1 << 20 else { return }
            do { try handle.write(contentsOf: Data(out.utf8)) } catch { throw OmnisegError(.io, "cannot write the audience file: \(error)", context: [("file", path)]) }
            out = ""
        }
        let header = ["person_id", "email", "phone", "loyalty_id", "preferred_channel"] + Self.featureColumns + ["recommendations"]
        out += format == .csv ? header.joined(separator: ",") + "\n" : "[\n"
        var written = 0
        for row in members.members {
            let person = people.id(ofRow: row)
            let contact = contacts[person] ?? Contact()
            // Each value as its shortest Float text (what the feature holds, without float-to-double noise).
            let features = columns.map { c -> Double? in c.map { let v = matrix.value(row: row, column: $0); return Double("\(v)") ?? Double(v) } }
            let channel = preferredChannel(row, frequency: frequency, onlineShare: onlineShare)
            let items = suggestions[person] ?? []
            switch format {
            case .csv:
                var fields: [String] = ["\(person)", contact.email ?? "", contact.phone ?? "", contact.loyaltyID ?? "", channel]
                for value in features { fields.append(value.map { Format.fixed($0, 2) } ?? "") }
                fields.append(items.joined(separator: "|"))
                out += fields.map(CSVField.escape).joined(separator: ",") + "\n"
            case .json:
                var pairs: [(String, String)] = [("person_id", "\(person)"), ("email", contact.email.map(JSONText.quoted) ?? "null"),
                                                 ("phone", contact.phone.map(JSONText.quoted) ?? "null"),
                                                 ("loyalty_id", contact.loyaltyID.map(JSONText.quoted) ?? "null"),
                                                 ("preferred_channel", JSONText.quoted(channel))]
                for (name, value) in zip(Self.featureColumns, features) { pairs.append((name, value.map(JSONText.number) ?? "null")) }
                pairs.append(("recommendations", "[" + items.map(JSONText.quoted).joined(separator: ",") + "]"))
                out += (written > 0 ? ",\n" : "") + JSONText.object(pairs)
            }
            written += 1
            try flush(false)
        }
        if format == .json { out += "\n]\n" }
        try flush(true)
        return written
    }

    /// store, online or none: the channel with most of the person's spend (ties: store).
    /// The columns are looked up once, before the members are written.
    private func preferredChannel(_ row: Int, frequency: Int?, onlineShare: Int?) -> String {
        guard let frequency, matrix.value(row: row, column: frequency) > 0 else { return "none" }
        guard let onlineShare else { return "store" }
        return matrix.value(row: row, column: onlineShare) > 0.5 ? "online" : "store"
    }

    struct Contact {
        var email: String?
        var phone: String?
        var loyaltyID: String?
    }

    /// The best identifiers of each member (by person id), from the records linked to that id now.
    private func contacts(_ members: PersonBitset) throws(OmnisegError) -> [Int64: Contact] {
        let normalizer = IdentifierNormalizer()
        let statement = try workspace.db.prepare("""
            SELECT l.person_id, r.email, r.phone, r.loyalty_id FROM person_link l
            JOIN customer_record r ON r.source = l.source AND r.source_id = l.source_id ORDER BY l.person_id
            """)
        var result: [Int64: Contact] = [:]
        var current: Int64 = -1
        var tallies: [[String: Int]] = [[:], [:], [:]]
        func settle() {
            guard current >= 0 else { return }
            func best(_ t: [String: Int]) -> String? { t.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key }
            result[current] = Contact(email: best(tallies[0]), phone: best(tallies[1]), loyaltyID: best(tallies[2]))
            tallies = [[:], [:], [:]]
        }
        while try statement.step() {
            let person = statement.int64(at: 0)
            guard let row = matrix.people.row(ofID: person), members[row] else { continue }
            if person != current { settle(); current = person }
            if let e = statement.string(at: 1).flatMap(normalizer.email) { tallies[0][e, default: 0] += 1 }
            if let p = statement.string(at: 2).flatMap(normalizer.phone) { tallies[1][p, default: 0] += 1 }
            if let l = statement.string(at: 3).flatMap(normalizer.loyaltyID) { tallies[2][l, default: 0] += 1 }
        }
        settle()
        return result
    }

    /// Each member's top item names from the newest recommend run on this feature set (by person id).
    private func suggestions(_ members: PersonBitset) throws(OmnisegError) -> [Int64: [String]] {
        guard recommendations > 0, let job = try JobLedger(workspace: workspace).newestSucceeded(RecommendJob.name, featureSet: matrix.setID) else {
            return [:]
        }
        let statement = try workspace.db.prepare("""
            SELECT s.person_id, i.name FROM recommendation s JOIN rec_item i ON i.job_id = s.job_id AND i.item = s.item
            WHERE s.job_id = ? AND s.rank <= ? ORDER BY s.person_id, s.rank
            """)
        try statement.bind([.text(job), .integer(Int64(recommendations))])
        var result: [Int64: [String]] = [:]
        while try statement.step() {
            let person = statement.int64(at: 0)
            guard let row = matrix.people.row(ofID: person), members[row], let name = statement.string(at: 1) else { continue }
            result[person, default: []].append(name)
        }
        return result
    }
}
