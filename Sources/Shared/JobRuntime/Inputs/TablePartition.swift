import OmnisegCore

/// One partition of a workspace table as a task receives it: the exported columns, by column, with
/// NULLs kept. Encoded with a versioned codec (``codec``), so a worker of another build refuses it
/// instead of misreading it.
public struct TablePartition: Sendable, Equatable {
    public static let codec = CodecTag("table.partition", version: 1)
    /// More rows than one partition may hold (a bound on what a decoder reserves).
    public static let maxRows = 1 << 28

    /// The values of one column.
    public enum Values: Sendable, Equatable {
        case integer([Int64?])
        case real([Double?])
        case text([String?])

        public var count: Int {
            switch self {
            case .integer(let v): v.count
            case .real(let v): v.count
            case .text(let v): v.count
            }
        }

        var typeCode: UInt8 {
            switch self {
            case .integer: 1
            case .real: 2
            case .text: 3
            }
        }
    }

    public struct Column: Sendable, Equatable {
        public var name: String
        public var values: Values

        public init(name: String, values: Values) {
            self.name = name
            self.values = values
        }
    }

    public var table: String
    /// Which partition of the table this is.
    public var index: Int
    public var columns: [Column]

    /// A partition; throws unless every column has the same number of rows.
    public init(table: String, index: Int, columns: [Column]) throws(OmnisegError) {
        guard let first = columns.first else { throw OmnisegError(.badInput, "a partition of table '\(table)' has no columns") }
        for c in columns where c.values.count != first.values.count {
            throw OmnisegError(.corrupt, "partition \(index) of table '\(table)': column '\(c.name)' has \(c.values.count) rows, "
                               + "'\(first.name)' has \(first.values.count)")
        }
        self.table = table
        self.index = index
        self.columns = columns
    }

    public var rowCount: Int { columns.first?.values.count ?? 0 }

    /// The column named `name`; throws naming the columns there are.
    public func column(_ name: String) throws(OmnisegError) -> Values {
        guard let found = columns.first(where: { $0.name == name }) else {
            throw OmnisegError(.badInput, "partition \(index) of table '\(table)' has no column '\(name)' "
                               + "(it has: \(columns.map(\.name).joined(separator: ", ")))")
        }
        return found.values
    }

    public var encoded: [UInt8] {
        var writer = WireWriter(capacity: 64 + rowCount * columns.count * 9)
        writer.string(table)
        writer.u32(UInt32(index))
        writer.count(rowCount)
        writer.count(columns.count)
        for column in columns {
            writer.string(column.name)
            writer.u8(column.values.typeCode)
            switch column.values {
            case .integer(let v): for x in v { writer.optional(x) { $1.i64($0) } }
            case .real(let v): for x in v { writer.optional(x) { $1.f64($0) } }
            case .text(let v): for x in v { writer.optional(x) { $1.string($0) } }
            }
        }
        return Self.codec.encode(writer.bytes)
    }

    /// Decodes a partition; throws `.corrupt` saying what is wrong (never traps on any input).
    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        var reader = WireReader(try Self.codec.decode(bytes), what: "table partition")
        let table = try reader.string(limit: 256)
        let index = Int(try reader.u32())
        // Every value takes at least one byte (its presence flag): a count beyond the bytes left is corrupt.
        let rows = try reader.count(limit: min(Self.maxRows, reader.remaining))
        let columnCount = try reader.count(limit: 4096)
        var columns: [Column] = []
        for _ in 0..<columnCount {
            let name = try reader.string(limit: 256)
            guard rows <= reader.remaining else { throw reader.failure("column '\(name)' claims \(rows) rows, \(reader.remaining) bytes left") }
            let type = try reader.u8()
            switch type {
            case 1:
                var v: [Int64?] = []
                v.reserveCapacity(rows)
                for _ in 0..<rows { v.append(try reader.optional { (r: inout WireReader) throws(OmnisegError) in try r.i64() }) }
                columns.append(Column(name: name, values: .integer(v)))
            case 2:
                var v: [Double?] = []
                v.reserveCapacity(rows)
                for _ in 0..<rows { v.append(try reader.optional { (r: inout WireReader) throws(OmnisegError) in try r.f64() }) }
                columns.append(Column(name: name, values: .real(v)))
            case 3:
                var v: [String?] = []
                v.reserveCapacity(rows)
                for _ in 0..<rows { v.append(try reader.optional { (r: inout WireReader) throws(OmnisegError) in try r.string(limit: 1 << 20) }) }
                columns.append(Column(name: name, values: .text(v)))
            default:
                throw reader.failure("column '\(name)' has unknown value type \(type)")
            }
        }
        try reader.expectEnd()
        try self.init(table: table, index: index, columns: columns)
    }
}
