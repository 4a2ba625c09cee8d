import ArgumentParser
import OmnisegCore

struct QuarantineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quarantine",
        abstract: "List rejected rows with file, line, column and reason.",
        discussion: "With --warnings: the optional fields left out of rows that were kept (a birth date that is no date, an unknown gender).")

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @Option(help: "Only rows of this ingested file (its id, as ingest prints it).") var fileID: Int64?
    @Option(help: "At most this many rows.") var limit: Int = 50
    @Flag(help: "List the fields left out of accepted rows instead of the rejected rows.") var warnings = false

    func run() throws {
        let workspace = try workspaceOptions.open()
        if warnings {
            let rows = try failingCleanly { () throws(OmnisegError) in
                try workspace.db.rows("""
                    SELECT f.path, w.line, w.column_name, w.reason, coalesce(w.value, '')
                    FROM field_warning w JOIN ingest_file f ON f.id = w.file_id
                    WHERE (?1 IS NULL OR w.file_id = ?1) ORDER BY w.file_id, w.line, w.id LIMIT ?2
                    """, [fileID.map { .integer($0) } ?? .null, .integer(Int64(limit))])
            }
            if rows.isEmpty { print("no fields left out"); return }
            for row in rows {
                print("\(row[0].text ?? ""):\(row[1].integer ?? 0): \(row[2].text ?? "") '\(row[4].text ?? "")' \(row[3].text ?? "")")
            }
            return
        }
        let rows = try failingCleanly { () throws(OmnisegError) in
            try workspace.db.rows("""
                SELECT f.path, r.line, coalesce(r.column_name, ''), r.reason, coalesce(r.raw, '')
                FROM rejected_row r JOIN ingest_file f ON f.id = r.file_id
                WHERE (?1 IS NULL OR r.file_id = ?1) ORDER BY r.file_id, r.line LIMIT ?2
                """, [fileID.map { .integer($0) } ?? .null, .integer(Int64(limit))])
        }
        if rows.isEmpty { print("no rejected rows"); return }
        for row in rows {
            print("\(row[0].text ?? ""):\(row[1].integer ?? 0): \(row[3].text ?? "")\n    \(row[4].text ?? "")")
        }
    }
}
