import JobRuntime
import OmnisegCore

/// The `table-profile` job: what a workspace table holds, column by column (rows, NULLs, distinct
/// values, range, mean), computed where the tasks run over partitions of the table.
///
/// It is the kind that reads ``TaskInputKind/tablePartitions``: the coordinator exports the table's
/// partitions as blobs (only tables and columns that may leave the workspace, ``ExportableTables``),
/// each task profiles one partition, and the merge adds the partition profiles in partition order.
/// With `key=COLUMN` rows sharing that column's value go to one partition, as a kind that needs every
/// row of a customer together would ask for; the profile is the same either way.
public struct TableProfileJob: JobKind {
    public static let name = "table-profile"
    public static let codecs = JobCodecs(name)
    public static let table = Parameter<String?>.choice("table", ExportableTables.names, shown: "txn", help: "The workspace table to profile.")
    public static let columns = Parameter<String?>.text(
        "columns", shape: "column names separated by commas", shown: "every column that may leave the workspace", help: "The columns to profile.")
    public static let key = Parameter<String?>.text(
        "key", shape: "a column name", shown: "none (equal runs of rows)", help: "Partition by this column's value instead of by row order.")
    public static let partitions = Parameter.integer("partitions", in: 1...TablePartitioning.maxPartitions, default: 8,
                                                     help: "Partitions the table is cut into, one task each.")
    public static let descriptor = JobKindDescriptor(
        name: name, summary: "Profile of a workspace table (rows, NULLs, distinct values, ranges) over partitions of the table.",
        input: .tablePartitions, parameters: ParameterSchema([table.spec, columns.spec, key.spec, partitions.spec])) { _, parameters throws(OmnisegError) in
        try TableProfileJob(parameters: parameters)
    }

    public let partitioning: TablePartitioning

    public init(parameters: JobParameters) throws(OmnisegError) {
        let requested = try parameters.value(Self.columns).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        partitioning = try TablePartitioning(table: try parameters.value(Self.table) ?? "txn", columns: requested,
                                             key: try parameters.value(Self.key), partitions: try parameters.value(Self.partitions))
    }

    public var inputs: TaskInputSpec { .tablePartitions(partitioning) }
    public var initialState: [UInt8] { [] }

    public func execute(input: TaskInput, iteration: Int, state: [UInt8], cancellation: CancellationCheck) throws(OmnisegError) -> [UInt8] {
        guard case .partition(let partition) = input else { throw OmnisegError(.corrupt, "table-profile tasks read table partitions") }
        guard partition.table == partitioning.table else {
            throw OmnisegError(.corrupt, "table-profile of '\(partitioning.table)' received a partition of '\(partition.table)'")
        }
        try cancellation.check()
        var columns: [TableProfile.Column] = []
        for name in partitioning.columns {
            columns.append(Self.profile(name, try partition.column(name)))
        }
        return TableProfile(table: partition.table, partitions: 1, columns: columns).encoded
    }

    static func profile(_ name: String, _ values: TablePartition.Values) -> TableProfile.Column {
        var column: TableProfile.Column
        switch values {
        case .integer(let v):
            column = TableProfile.Column(name: name, kind: .integer)
            for x in v { if let x { column.note(Double(x)); column.distinct.add(x) } else { column.nulls += 1 } }
        case .real(let v):
            column = TableProfile.Column(name: name, kind: .real)
            for x in v { if let x { column.note(x); column.distinct.add(x) } else { column.nulls += 1 } }
        case .text(let v):
            column = TableProfile.Column(name: name, kind: .text)
            for x in v {
                if let x {
                    let length = Double(x.utf8.count)
                    column.minimum = min(column.minimum, length)
                    column.maximum = max(column.maximum, length)
                    column.distinct.add(x)
                } else {
                    column.nulls += 1
                }
            }
        }
        column.rows = UInt64(values.count)
        column.distinct.compact()
        return column
    }

    public func merge(iteration: Int, state: [UInt8], partials: [[UInt8]]) throws(OmnisegError) -> JobStep {
        var merged: TableProfile?
        for (i, bytes) in partials.enumerated() {
            let partial = try TableProfile(decoding: bytes)
            guard partial.table == partitioning.table, partial.columns.map(\.name) == partitioning.columns, partial.partitions == 1 else {
                throw OmnisegError(.corrupt, "the partial of partition \(i) profiles '\(partial.table)' (\(partial.columns.map(\.name).joined(separator: ", "))), "
                                   + "not one partition of '\(partitioning.table)' (\(partitioning.columns.joined(separator: ", ")))")
            }
            if merged == nil { merged = partial } else { try merged?.merge(partial) }
        }
        guard let merged else { throw OmnisegError(.corrupt, "table-profile of '\(partitioning.table)' merged no partition") }
        return .finish(result: merged.encoded)
    }

    /// Partitions profiled.
    public func progress(iteration: Int, tasksDone: Int, tasksTotal: Int) -> JobProgress {
        JobProgress(done: tasksDone, total: tasksTotal, unit: "partitions")
    }

    public func render(result: [UInt8], json: Bool) throws(OmnisegError) -> String {
        try TableProfile(decoding: result).render(json: json)
    }
}

extension TableProfile.Column {
    mutating func note(_ value: Double) {
        minimum = min(minimum, value)
        maximum = max(maximum, value)
        sum += value
    }
}
