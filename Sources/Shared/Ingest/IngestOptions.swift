import OmnisegCore

/// How to read one kind of file: column renames, constant columns and the date format.
public struct IngestOptions: Sendable {
    /// What the file holds.
    public var kind: IngestKind
    /// Our column name → the file's header name (`--map ours=theirs`). Unmapped columns match the
    /// header by name, case-insensitively.
    public var columnMap: [String: String]
    /// Our column name → a constant value for every row (`--set column=value`).
    public var constants: [String: String]
    /// A custom date format (see ``TimestampParser``), or nil for ISO-8601.
    public var dateFormat: String?

    /// Options for `kind` with no renames, no constants and ISO-8601 dates.
    public init(kind: IngestKind, columnMap: [String: String] = [:], constants: [String: String] = [:], dateFormat: String? = nil) {
        self.kind = kind
        self.columnMap = columnMap
        self.constants = constants
        self.dateFormat = dateFormat
    }

    /// Parses `ours=theirs` pairs (as `--map` and `--set` take them) into a dictionary.
    public static func pairs(_ items: [String], option: String) throws(OmnisegError) -> [String: String] {
        var result: [String: String] = [:]
        for item in items {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw OmnisegError(.badInput, "\(option) takes column=value, got '\(item)'")
            }
            let key = item[..<eq].trimmedSpaces.lowercased()
            result[key] = String(item[item.index(after: eq)...])
        }
        return result
    }

    /// A canonical text form of these options, part of what makes a re-ingest of the same file a no-op.
    var canonical: String {
        let map = columnMap.sorted { $0.key < $1.key }.map { "map \($0.key)=\($0.value)" }
        let set = constants.sorted { $0.key < $1.key }.map { "set \($0.key)=\($0.value)" }
        return (map + set + ["date \(dateFormat ?? "iso8601")"]).joined(separator: "\n")
    }
}
