import JobRuntime
import OmnisegCore
import Workspace

/// Cuts a workspace table into ``TablePartition``s as a ``TablePartitioning`` says, for the tasks of a
/// job over table partitions.
///
/// Only the tables and columns of ``ExportableTables`` go (the partitioning checked that). Each
/// column's values keep the type the schema declares (INTEGER, REAL, TEXT) and their NULLs; a stored
/// value of another type is refused with the table, column and row, never converted or dropped.
public struct TableExport {
    public let workspace: Workspace

    public init(workspace: Workspace) { self.workspace = workspace }

    /// The partitions, in partition order (every partition, also those no row fell in).
    public func partitions(_ spec: TablePartitioning) throws(OmnisegError) -> [TablePartition] {
        let types = try declaredTypes(spec.table)
        var empty: [ColumnBuilder] = []
        for name in spec.columns {
            guard let type = types[name] else { throw OmnisegError(.corrupt, "table '\(spec.table)' of the workspace has no column '\(name)'") }
            empty.append(ColumnBuilder(name: name, type: type))
        }
        var builders = Array(repeating: empty, count: spec.partitions)
        let keyColumn = spec.key.flatMap { spec.columns.firstIndex(of: $0) }
        let rowCount = keyColumn == nil ? try Int(workspace.db.scalar("SELECT count(*) FROM \(spec.table)")?.integer ?? 0) : 0
        let statement = try workspace.db.prepare("SELECT rowid, \(spec.columns.joined(separator: ", ")) FROM \(spec.table) ORDER BY rowid")
        var ordinal = 0
        while try statement.step() {
            let values = spec.columns.indices.map { statement.value(at: $0 + 1) }
            let partition: Int
            if let keyColumn {
                partition = spec.partition(ofKey: Self.keyBytes(values[keyColumn]))
            } else {
                partition = spec.partition(ofRow: ordinal, rowCount: rowCount)
            }
            for (c, value) in values.enumerated() {
                guard builders[partition][c].append(value) else {
                    throw OmnisegError(.corrupt, "table '\(spec.table)', column '\(spec.columns[c])', row \(statement.int64(at: 0)): "
                                       + "a \(value.typeName) where the schema declares \(builders[partition][c].type)")
                }
            }
            ordinal += 1
        }
        var partitions: [TablePartition] = []
        for (p, columns) in builders.enumerated() {
            partitions.append(try TablePartition(table: spec.table, index: p, columns: columns.map(\.column)))
        }
        return partitions
    }

    /// A key's bytes for hashing: its text, or the decimal text of a number (NULL: nil).
    static func keyBytes(_ value: SQLiteValue) -> [UInt8]? {
        switch value {
        case .null: nil
        case .integer(let v): Array("\(v)".utf8)
        case .real(let v): Array("\(v)".utf8)
        case .text(let v): Array(v.utf8)
        case .blob(let v): v
        }
    }

    private func declaredTypes(_ table: String) throws(OmnisegError) -> [String: ColumnBuilder.ColumnType] {
        var types: [String: ColumnBuilder.ColumnType] = [:]
        for row in try workspace.db.rows("SELECT name, type FROM pragma_table_info(?)", [.text(table)]) {
            guard let name = row[0].text else { continue }
            let declared = (row[1].text ?? "").uppercased()
            types[name] = declared.contains("INT") ? .integer : (declared.contains("REAL") || declared.contains("FLOA") ? .real : .text)
        }
        return types
    }
}

/// One column of one partition while it is filled.
private struct ColumnBuilder {
    enum ColumnType: String { case integer = "INTEGER", real = "REAL", text = "TEXT" }

    let name: String
    let type: ColumnType
    private var integers: [Int64?] = []
    private var reals: [Double?] = []
    private var texts: [String?] = []

    init(name: String, type: ColumnType) {
        self.name = name
        self.type = type
    }

    /// Appends `value`; false when it is not of the column's type.
    mutating func append(_ value: SQLiteValue) -> Bool {
        switch (type, value) {
        case (.integer, .null): integers.append(nil)
        case (.integer, .integer(let v)): integers.append(v)
        case (.real, .null): reals.append(nil)
        case (.real, .real(let v)): reals.append(v)
        case (.real, .integer(let v)): reals.append(Double(v))
        case (.text, .null): texts.append(nil)
        case (.text, .text(let v)): texts.append(v)
        default: return false
        }
        return true
    }

    var column: TablePartition.Column {
        switch type {
        case .integer: TablePartition.Column(name: name, values: .integer(integers))
        case .real: TablePartition.Column(name: name, values: .real(reals))
        case .text: TablePartition.Column(name: name, values: .text(texts))
        }
    }
}

extension SQLiteValue {
    var typeName: String {
        switch self {
        case .null: "NULL"
        case .integer: "INTEGER"
        case .real: "REAL"
        case .text: "TEXT"
        case .blob: "BLOB"
        }
    }
}

extension ColumnBuilder.ColumnType: CustomStringConvertible {
    var description: String { rawValue }
}
