import Foundation
import OmnisegCore
import Workspace

/// Loads CSV files into the workspace: header-checked, every row typed and validated, bad rows
/// quarantined with file, line, column and reason; rows read = accepted + rejected.
///
/// A file is loaded in one SQLite transaction: all of it or none of it. Re-ingesting a file with the
/// same content and options is a no-op (matched on an XXH64 checksum of the bytes).
public struct Ingester {
    /// How many rejections a report carries as samples.
    public static let sampleLimit = 10

    private let workspace: Workspace
    private let progressStyle: ProgressMeter.Style

    /// An ingester writing into `workspace`, showing progress in `progressStyle`.
    public init(workspace: Workspace, progressStyle: ProgressMeter.Style = .automatic) {
        self.workspace = workspace
        self.progressStyle = progressStyle
    }

    /// Ingests one file with `options`.
    public func ingest(file: String, options: IngestOptions) throws(OmnisegError) -> IngestReport {
        let dates = try options.dateFormat.map { (f: String) throws(OmnisegError) in try TimestampParser(format: f) } ?? .iso8601
        switch options.kind {
        case .customers: return try run(file, options, CustomerRowLoader(dates: dates))
        case .transactions: return try run(file, options, TransactionRowLoader(dates: dates))
        case .events: return try run(file, options, EventRowLoader(dates: dates))
        case .products: return try run(file, options, ProductRowLoader(dates: dates))
        }
    }

    private func run<Loader: RowLoader>(_ file: String, _ options: IngestOptions, _ loader: Loader) throws(OmnisegError) -> IngestReport {
        let (hash, size) = try Self.checksum(file: file)
        let db = workspace.db
        if let previous = try db.rows(
            "SELECT id, rows_read, accepted, rejected, warnings FROM ingest_file WHERE kind = ? AND content_hash = ? AND options = ?",
            [.text(options.kind.rawValue), .text(hash), .text(options.canonical)]).first {
            var report = IngestReport(file: file, kind: options.kind, rowsRead: Int(previous[1].integer ?? 0),
                                      accepted: Int(previous[2].integer ?? 0), rejected: Int(previous[3].integer ?? 0),
                                      alreadyIngested: true, rejectionSamples: [], ignoredColumns: [], fileID: previous[0].integer ?? 0)
            report.warnings = Int(previous[4].integer ?? 0)
            return report
        }

        let reader = try CSVReader(path: file)
        return try db.transaction { () throws(OmnisegError) -> IngestReport in
            try db.run("INSERT INTO ingest_file (kind, path, content_hash, options, rows_read, accepted, rejected, ingested_at) VALUES (?, ?, ?, ?, 0, 0, 0, ?)",
                       [.text(options.kind.rawValue), .text(file), .text(hash), .text(options.canonical),
                        .text(ISO8601DateFormatter().string(from: Date()))])
            let fileID = db.lastInsertRowID
            let insert = try db.prepare(Loader.insertSQL)
            let quarantine = try db.prepare("INSERT INTO rejected_row (file_id, line, column_name, reason, raw) VALUES (?, ?, ?, ?, ?)")
            let warn = try db.prepare("INSERT INTO field_warning (file_id, line, column_name, reason, value) VALUES (?, ?, ?, ?, ?)")
            var warnings: [FieldWarning] = []
            var warned = 0
            var warningSamples: [IngestReport.Warning] = []
            let reference = try db.prepare("INSERT OR IGNORE INTO customer_ref (source, customer_id) VALUES (?, ?)")
            var referenced = ByteKeyTable(capacity: 1 << 12)
            let constants = ConstantBytes()
            defer { constants.release() }

            var layout: ColumnLayout?
            var values: [UnsafeRawBufferPointer] = []
            var rowsRead = 0, accepted = 0, rejected = 0
            var samples: [IngestReport.Rejection] = []
            let meter = ProgressMeter(label: "ingest \(options.kind.rawValue)", total: size, style: progressStyle)

            func reject(_ line: Int, _ column: String?, _ reason: String, _ raw: String) throws(OmnisegError) {
                rejected += 1
                if samples.count < Self.sampleLimit { samples.append(.init(line: line, column: column, reason: reason)) }
                quarantine.bind(fileID, at: 1)
                quarantine.bind(Int64(line), at: 2)
                quarantine.bind(column, at: 3)
                quarantine.bind(reason, at: 4)
                quarantine.bind(raw, at: 5)
                try quarantine.runAndReset()
            }

            try reader.forEachRecord { (record: borrowing CSVRecord) throws(OmnisegError) -> Bool in
                guard let columns = layout else {
                    if let problem = record.problem {
                        throw OmnisegError(.badInput, "the header cannot be read: \(problem)", context: [("file", file), ("line", "\(record.line)")])
                    }
                    let header = (0..<record.count).map { record.string($0) }
                    let resolved = try ColumnLayout(header: header, options: options, file: file)
                    layout = resolved
                    values = resolved.sources.map { source in
                        if case .constant(let bytes) = source { return constants.keep(bytes) }
                        return UnsafeRawBufferPointer(start: nil, count: 0)
                    }
                    return true
                }
                rowsRead += 1
                if rowsRead & 0x3FFF == 0 { meter.update(done: reader.bytesConsumed, items: rowsRead) }
                if let problem = record.problem {
                    try reject(record.line, nil, problem, record.rawText())
                    return true
                }
                guard record.count == columns.headerCount else {
                    try reject(record.line, nil, "expected \(columns.headerCount) fields as in the header, found \(record.count)", record.rawText())
                    return true
                }
                for (i, source) in columns.sources.enumerated() {
                    if case .field(let f) = source { values[i] = FieldParsers.trimmed(record.field(f)) }
                }
                warnings.removeAll(keepingCapacity: true)
                if let rejection = loader.bind(values, to: insert, warnings: &warnings) {
                    insert.reset()
                    try reject(record.line, rejection.column, rejection.column.map { "\($0) \(rejection.reason)" } ?? rejection.reason, record.rawText())
                    return true
                }
                insert.bind(fileID, at: Loader.parameterCount + 1)
                if Loader.bindsLine { insert.bind(Int64(record.line), at: Loader.parameterCount + 2) }
                try insert.runAndReset()
                accepted += 1
                for w in warnings {
                    warned += 1
                    if warningSamples.count < Self.sampleLimit { warningSamples.append(.init(line: record.line, column: w.column, reason: w.reason, value: w.value)) }
                    warn.bind(fileID, at: 1)
                    warn.bind(Int64(record.line), at: 2)
                    warn.bind(w.column, at: 3)
                    warn.bind(w.reason, at: 4)
                    warn.bind(w.value, at: 5)
                    try warn.runAndReset()
                }
                if Loader.refersToCustomer && referenced.insert(values[0], values[1], value: 0).inserted {
                    reference.bindText(values[0], at: 1)
                    reference.bindText(values[1], at: 2)
                    try reference.runAndReset()
                }
                return true
            }
            meter.finish(done: reader.bytesConsumed, items: rowsRead)
            guard let columns = layout else {
                let expected = options.kind.columns.filter(\.required).map(\.name).joined(separator: ", ")
                throw OmnisegError(.badInput, "the file is empty; expected a header line naming at least \(expected)", context: [("file", file)])
            }
            try db.run("UPDATE ingest_file SET rows_read = ?, accepted = ?, rejected = ?, warnings = ? WHERE id = ?",
                       [.integer(Int64(rowsRead)), .integer(Int64(accepted)), .integer(Int64(rejected)), .integer(Int64(warned)), .integer(fileID)])
            var report = IngestReport(file: file, kind: options.kind, rowsRead: rowsRead, accepted: accepted, rejected: rejected,
                                      alreadyIngested: false, rejectionSamples: samples, ignoredColumns: columns.ignoredHeaders, fileID: fileID)
            report.warnings = warned
            report.warningSamples = warningSamples
            return report
        }
    }

    /// The XXH64 of a file's bytes (hex) and its size.
    public static func checksum(file: String) throws(OmnisegError) -> (String, Int) {
        guard let handle = FileHandle(forReadingAtPath: file) else {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory)
            throw OmnisegError(.io, exists ? (isDirectory.boolValue ? "is a folder, not a file" : "cannot be read") : "no such file", context: [("file", file)])
        }
        defer { try? handle.close() }
        var state = Checksum64()
        var size = 0
        while true {
            let chunk: Data
            do { chunk = try handle.read(upToCount: 8 << 20) ?? Data() } catch {
                throw OmnisegError(.io, "read failed: \(error)", context: [("file", file)])
            }
            if chunk.isEmpty { break }
            size += chunk.count
            chunk.withUnsafeBytes { state.update($0) }
        }
        return (state.hexDigest, size)
    }
}

/// Owns the bytes of `--set` constants for the length of one ingest, so rows can point at them.
final class ConstantBytes {
    private var buffers: [UnsafeMutableRawBufferPointer] = []

    func keep(_ bytes: [UInt8]) -> UnsafeRawBufferPointer {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        bytes.withUnsafeBytes { buffer.copyMemory(from: $0) }
        buffers.append(buffer)
        return FieldParsers.trimmed(UnsafeRawBufferPointer(rebasing: buffer[0..<bytes.count]))
    }

    func release() {
        buffers.forEach { $0.deallocate() }
        buffers.removeAll()
    }
}
