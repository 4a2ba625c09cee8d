import Foundation
import OmnisegCore

/// The workspace: one SQLite database (WAL mode) holding sources, quarantine, people and features.
///
/// A `Workspace` owns one connection and is meant for one thread at a time; open another
/// `Workspace` on the same path for another thread.
public final class Workspace {
    /// The database connection.
    public let db: SQLiteConnection
    /// The path of the database file.
    public var path: String { db.path }

    /// Opens the workspace at `path`, creating it and applying pending migrations as needed.
    public init(path: String) throws(OmnisegError) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            throw OmnisegError(.notFound, "the folder for the workspace does not exist", context: [("path", path)])
        }
        db = try SQLiteConnection(path: path)
        // A page cache of up to 256 MiB (SQLite's default is 2 MiB): a resolve of millions of records
        // rewrites tables and indexes of gigabytes in one transaction, and with a small cache every
        // B-tree insert re-reads and spills pages (pread/pwrite were most of a 10M-record resolve's end).
        try db.execute("""
            PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;
            PRAGMA cache_size = -262144;
            """)
        try migrate()
    }

    /// The schema version this workspace is at.
    public var schemaVersion: Int {
        get throws(OmnisegError) { Int(try db.scalar("PRAGMA user_version")?.integer ?? 0) }
    }

    /// The workspace id (a UUID made when it was created), by which jobs name it.
    public var id: String {
        get throws(OmnisegError) {
            try db.scalar("SELECT value FROM workspace_info WHERE key = 'id'")?.text ?? ""
        }
    }

    private func migrate() throws(OmnisegError) {
        let current = try schemaVersion
        let migrations = WorkspaceSchema.migrations
        if current > migrations.count {
            throw OmnisegError(.badInput, "the workspace was written by a newer omniseg (schema \(current), this build knows \(migrations.count))", context: [("path", path)])
        }
        for version in current..<migrations.count {
            try db.transaction { () throws(OmnisegError) in
                // Under the write lock: another process opening the workspace may have applied it meanwhile.
                guard try schemaVersion == version else { return }
                try db.execute(migrations[version])
                if version == 0 {
                    try db.run("INSERT INTO workspace_info(key, value) VALUES ('id', ?), ('created_at', ?)",
                               [.text(UUID().uuidString.lowercased()), .text(ISO8601DateFormatter().string(from: Date()))])
                }
                try db.execute("PRAGMA user_version = \(version + 1)")
            }
        }
    }

    /// Counts the rows of a known table.
    public func count(_ table: WorkspaceTable) throws(OmnisegError) -> Int {
        Int(try db.scalar("SELECT count(*) FROM \(table.rawValue)")?.integer ?? 0)
    }
}

/// Tables whose size callers may ask for (a closed set, so no table name ever comes from input).
public enum WorkspaceTable: String, Sendable {
    case customers = "customer_record"
    case transactions = "txn"
    case events = "event"
    case products = "product"
    case rejected = "rejected_row"
    case personLinks = "person_link"
    case ingestFiles = "ingest_file"
}
