import CSQLite
import OmnisegCore

/// One connection to a SQLite database file.
///
/// Not thread-safe by design (opened with `SQLITE_OPEN_NOMUTEX`): use one connection per thread.
/// Every value reaches SQL through bound parameters; ``execute(_:)`` is for fixed DDL and pragmas only.
public final class SQLiteConnection {
    let handle: OpaquePointer
    /// The path this connection was opened on, for error messages.
    public let path: String

    /// Process-wide SQLite settings, applied once before the first connection opens.
    private static let configured: Bool = {
        _ = omniseg_sqlite_disable_memory_statistics()  // SQLITE_MISUSE if SQLite was initialised earlier: harmless
        return true
    }()

    /// Opens (and creates, unless `readOnly`) the database at `path`.
    public init(path: String, readOnly: Bool = false) throws(OmnisegError) {
        _ = Self.configured
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw OmnisegError(.database, "cannot open workspace: \(message)", context: [("path", path)])
        }
        self.handle = db
        self.path = path
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs one or more fixed SQL statements that take no parameters (DDL, pragmas).
    public func execute(_ sql: String) throws(OmnisegError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? "error \(rc)"
            sqlite3_free(errorMessage)
            throw OmnisegError(.database, message, context: [("path", path)])
        }
    }

    /// Compiles `sql`; bind values with the statement's `bind` methods.
    public func prepare(_ sql: String) throws(OmnisegError) -> SQLiteStatement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw error(rc, sql: sql)
        }
        return SQLiteStatement(handle: statement, connection: self)
    }

    /// Runs `body` inside one transaction: committed if it returns, rolled back if it throws.
    public func transaction<T>(_ body: () throws(OmnisegError) -> T) throws(OmnisegError) -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs a parameterized statement that returns no rows.
    public func run(_ sql: String, _ values: [SQLiteValue] = []) throws(OmnisegError) {
        let statement = try prepare(sql)
        try statement.bind(values)
        while try statement.step() {}
    }

    /// Runs a parameterized query and returns every row as values.
    public func rows(_ sql: String, _ values: [SQLiteValue] = []) throws(OmnisegError) -> [[SQLiteValue]] {
        let statement = try prepare(sql)
        try statement.bind(values)
        var rows: [[SQLiteValue]] = []
        while try statement.step() {
            rows.append((0..<statement.columnCount).map { statement.value(at: $0) })
        }
        return rows
    }

    /// The first column of the first row of a query, or nil when it returns no row.
    public func scalar(_ sql: String, _ values: [SQLiteValue] = []) throws(OmnisegError) -> SQLiteValue? {
        let statement = try prepare(sql)
        try statement.bind(values)
        return try statement.step() ? statement.value(at: 0) : nil
    }

    /// The rowid of the last row inserted on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    func error(_ rc: Int32, sql: String? = nil) -> OmnisegError {
        var context: [(key: String, value: String)] = [("path", path)]
        if let sql { context.append(("sql", String(sql.prefix(120)))) }
        return OmnisegError(.database, "SQLite error \(rc): \(String(cString: sqlite3_errmsg(handle)))", context: context)
    }
}

/// A value bound to or read from SQL.
public enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    /// The value as an integer, if it is one.
    public var integer: Int64? { if case .integer(let v) = self { return v }; return nil }
    /// The value as a double (integers widen), if it is numeric.
    public var real: Double? {
        switch self {
        case .real(let v): return v
        case .integer(let v): return Double(v)
        default: return nil
        }
    }
    /// The value as text, if it is text.
    public var text: String? { if case .text(let v) = self { return v }; return nil }
    /// The value as bytes, if it is a blob.
    public var blob: [UInt8]? { if case .blob(let v) = self { return v }; return nil }
}

/// A compiled statement. Bind parameters (1-based, as in SQLite), then ``step()`` through the rows.
public final class SQLiteStatement {
    let handle: OpaquePointer
    unowned let connection: SQLiteConnection

    init(handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Binds `values` to parameters 1...n.
    public func bind(_ values: [SQLiteValue]) throws(OmnisegError) {
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(handle, index)
            case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
            case .real(let v): rc = sqlite3_bind_double(handle, index, v)
            case .text(let v): rc = sqlite3_bind_text(handle, index, v, -1, omniseg_sqlite_transient())
            case .blob(let v):
                rc = v.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), omniseg_sqlite_transient()) }
            }
            guard rc == SQLITE_OK else { throw connection.error(rc) }
        }
    }

    /// Binds an integer to parameter `index` (1-based).
    @inline(__always) public func bind(_ value: Int64, at index: Int32) {
        sqlite3_bind_int64(handle, index, value)
    }

    /// Binds a double to parameter `index` (1-based).
    @inline(__always) public func bind(_ value: Double, at index: Int32) {
        sqlite3_bind_double(handle, index, value)
    }

    /// Binds UTF-8 bytes as text to parameter `index` without copying them; an empty buffer binds NULL
    /// when `emptyIsNull`.
    ///
    /// The bytes must stay valid and unchanged until the statement has been stepped and reset (SQLite
    /// reads them during `step`): bind, step and reset inside the scope that owns the bytes.
    @inline(__always) public func bindText(_ bytes: UnsafeRawBufferPointer, at index: Int32, emptyIsNull: Bool = false) {
        if bytes.isEmpty {
            if emptyIsNull { sqlite3_bind_null(handle, index) } else { sqlite3_bind_text(handle, index, "", 0, nil) }
        } else {
            sqlite3_bind_text(handle, index, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
        }
    }

    /// Binds a string to parameter `index`, or NULL for nil.
    public func bind(_ value: String?, at index: Int32) {
        if let value {
            sqlite3_bind_text(handle, index, value, -1, omniseg_sqlite_transient())
        } else {
            sqlite3_bind_null(handle, index)
        }
    }

    /// Binds raw bytes as a blob to parameter `index`.
    public func bindBlob(_ bytes: UnsafeRawBufferPointer, at index: Int32) {
        sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), omniseg_sqlite_transient())
    }

    /// Binds NULL to parameter `index`.
    public func bindNull(at index: Int32) {
        sqlite3_bind_null(handle, index)
    }

    /// Advances to the next row: true when a row is available, false when the statement is done.
    @discardableResult
    public func step() throws(OmnisegError) -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw connection.error(rc)
        }
    }

    /// Runs the statement to completion and resets it for the next bindings.
    public func runAndReset() throws(OmnisegError) {
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    /// Resets the statement so it can run again (bindings are kept).
    public func reset() {
        sqlite3_reset(handle)
    }

    /// The number of columns in a result row.
    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    /// Column `index` (0-based) of the current row as an integer (0 for NULL).
    @inline(__always) public func int64(at index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

    /// Column `index` (0-based) of the current row as a double (0 for NULL).
    @inline(__always) public func double(at index: Int32) -> Double { sqlite3_column_double(handle, index) }

    /// Whether column `index` of the current row is NULL.
    @inline(__always) public func isNull(at index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_NULL }

    /// Column `index` of the current row as text (nil for NULL).
    public func string(at index: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, index) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// Calls `body` with the bytes of column `index` (text or blob) of the current row, valid only inside `body`.
    @inline(__always)
    public func withBytes<T, E: Error>(at index: Int32, _ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
        let pointer = sqlite3_column_blob(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        return try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Column `index` of the current row as a ``SQLiteValue``.
    public func value(at index: Int) -> SQLiteValue {
        let i = Int32(index)
        switch sqlite3_column_type(handle, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, i))
        case SQLITE_TEXT: return .text(string(at: i) ?? "")
        case SQLITE_BLOB: return .blob(withBytes(at: i) { Array($0.bindMemory(to: UInt8.self)) })
        default: return .null
        }
    }
}
