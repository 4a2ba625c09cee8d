import OmnisegCore

/// What the `table-profile` job found in one workspace table: per column, its rows, NULLs, distinct
/// values and range. A partial (one partition's) and the result have the same shape; partials merge
/// in partition order, so the profile is the same however the table was cut and whoever ran the tasks.
public struct TableProfile: Sendable, Equatable {
    /// One column's figures.
    public struct Column: Sendable, Equatable {
        public enum Kind: UInt8, Sendable { case integer = 1, real = 2, text = 3 }

        public var name: String
        public var kind: Kind
        public var rows: UInt64 = 0
        public var nulls: UInt64 = 0
        public var distinct = DistinctSketch()
        /// Numbers: the smallest and largest value and their sum. Text: the shortest and longest length (in bytes).
        public var minimum = Double.infinity
        public var maximum = -Double.infinity
        public var sum = 0.0

        public init(name: String, kind: Kind) {
            self.name = name
            self.kind = kind
        }

        mutating func merge(_ other: Column) {
            rows += other.rows
            nulls += other.nulls
            distinct.merge(other.distinct)
            minimum = min(minimum, other.minimum)
            maximum = max(maximum, other.maximum)
            sum += other.sum
        }

        /// The mean of the non-NULL values (numbers only).
        public var mean: Double? { kind == .text || rows == nulls ? nil : sum / Double(rows - nulls) }
    }

    public var table: String
    public var partitions: Int
    public var columns: [Column]

    public init(table: String, partitions: Int, columns: [Column]) {
        self.table = table
        self.partitions = partitions
        self.columns = columns
    }

    public var rows: UInt64 { columns.first?.rows ?? 0 }

    /// Adds `other` (a later partition of the same table) into this profile.
    public mutating func merge(_ other: TableProfile) throws(OmnisegError) {
        guard other.table == table, other.columns.map(\.name) == columns.map(\.name), other.columns.map(\.kind) == columns.map(\.kind) else {
            throw OmnisegError(.corrupt, "a profile of '\(other.table)' (\(other.columns.map(\.name).joined(separator: ", "))) cannot merge into "
                               + "one of '\(table)' (\(columns.map(\.name).joined(separator: ", ")))")
        }
        for i in columns.indices { columns[i].merge(other.columns[i]) }
        partitions += other.partitions
    }

    public var encoded: [UInt8] {
        var writer = WireWriter(capacity: 256 + columns.count * 8300)
        writer.string(table)
        writer.count(partitions)
        writer.count(columns.count)
        for c in columns {
            writer.string(c.name)
            writer.u8(c.kind.rawValue)
            writer.u64(c.rows)
            writer.u64(c.nulls)
            c.distinct.encode(into: &writer)
            writer.f64(c.minimum)
            writer.f64(c.maximum)
            writer.f64(c.sum)
        }
        return writer.bytes
    }

    /// Decodes a profile; throws `.corrupt` saying what is wrong (never traps on any input).
    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        var reader = WireReader(bytes, what: "table profile")
        table = try reader.string(limit: 256)
        partitions = try reader.count(limit: 1 << 20)
        columns = []
        for _ in 0..<(try reader.count(limit: 4096)) {
            let name = try reader.string(limit: 256)
            let code = try reader.u8()
            guard let kind = Column.Kind(rawValue: code) else { throw reader.failure("column '\(name)' has unknown type \(code)") }
            var column = Column(name: name, kind: kind)
            column.rows = try reader.tally()
            column.nulls = try reader.tally()
            guard column.nulls <= column.rows else { throw reader.failure("column '\(name)' has more NULLs than rows") }
            column.distinct = try DistinctSketch.decode(from: &reader)
            column.minimum = try reader.f64()
            column.maximum = try reader.f64()
            column.sum = try reader.f64()
            guard !column.minimum.isNaN, !column.maximum.isNaN, !column.sum.isNaN else { throw reader.failure("column '\(name)' has a NaN figure") }
            columns.append(column)
        }
        try reader.expectEnd()
    }

    /// The profile as a table of text, or JSON.
    public func render(json: Bool) -> String {
        func number(_ v: Double) -> String { v.isFinite ? Format.fixed(v, v == v.rounded() ? 0 : 2) : "-" }
        if json {
            let items = columns.map { c in
                JSONText.object([
                    ("name", JSONText.quoted(c.name)), ("type", JSONText.quoted("\(c.kind)")), ("rows", "\(c.rows)"), ("nulls", "\(c.nulls)"),
                    ("distinct", "\(c.distinct.roundedEstimate)"), ("distinct_exact", c.distinct.isExact ? "true" : "false"),
                    (c.kind == .text ? "min_length" : "min", c.minimum.isFinite ? "\(c.minimum)" : "null"),
                    (c.kind == .text ? "max_length" : "max", c.maximum.isFinite ? "\(c.maximum)" : "null"),
                    ("mean", c.mean.map { "\($0)" } ?? "null"),
                ])
            }
            return JSONText.object([("kind", JSONText.quoted("table-profile")), ("table", JSONText.quoted(table)), ("rows", "\(rows)"),
                                    ("partitions", "\(partitions)"), ("columns", "[" + items.joined(separator: ",") + "]")]) + "\n"
        }
        var lines = ["table \(table): \(Format.count(rows)) rows in \(partitions) partitions", ""]
        let header = ["column", "type", "nulls", "distinct", "min", "max", "mean"]
        var rows = [header]
        for c in columns {
            let distinct = (c.distinct.isExact ? "" : "~") + Format.count(c.distinct.roundedEstimate)
            let range = c.kind == .text ? ["len \(number(c.minimum))", "len \(number(c.maximum))"] : [number(c.minimum), number(c.maximum)]
            rows.append([c.name, "\(c.kind)", Format.count(c.nulls), distinct] + range + [c.mean.map { Format.fixed($0, 2) } ?? "-"])
        }
        let widths = header.indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        for row in rows {
            lines.append(row.enumerated().map { i, cell in i == 0 ? cell.rightPadded(widths[i]) : cell.leftPadded(widths[i]) }.joined(separator: "  "))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
