import OmnisegCore

/// Where each of our columns comes from in one file: a header position, a constant, or nowhere.
struct ColumnLayout {
    enum Source {
        case field(Int)
        case constant([UInt8])
        case missing
    }

    let sources: [Source]
    let headerCount: Int
    /// Header names the file has that nothing reads (reported, not an error).
    let ignoredHeaders: [String]

    /// Resolves `options` against the file's header; throws naming what is missing or unknown.
    init(header: [String], options: IngestOptions, file: String) throws(OmnisegError) {
        let columns = options.kind.columns
        let ours = Set(columns.map(\.name))
        let normalizedHeader = header.map { $0.trimmedSpaces.lowercased() }
        for key in options.columnMap.keys where !ours.contains(key) {
            throw OmnisegError(.badInput, "--map names '\(key)', which is not a \(options.kind.rawValue) column; expected one of \(columns.map(\.name).joined(separator: ", "))", context: [("file", file)])
        }
        for key in options.constants.keys where !ours.contains(key) {
            throw OmnisegError(.badInput, "--set names '\(key)', which is not a \(options.kind.rawValue) column; expected one of \(columns.map(\.name).joined(separator: ", "))", context: [("file", file)])
        }
        var used = Set<Int>()
        var sources: [Source] = []
        var missing: [String] = []
        for column in columns {
            if let constant = options.constants[column.name] {
                sources.append(.constant(Array(constant.utf8)))
            } else if let theirs = options.columnMap[column.name] {
                guard let index = normalizedHeader.firstIndex(of: theirs.trimmedSpaces.lowercased()) else {
                    throw OmnisegError(.badInput, "--map \(column.name)=\(theirs): the header has no column '\(theirs)'; it has \(header.joined(separator: ", "))", context: [("file", file), ("line", "1")])
                }
                used.insert(index)
                sources.append(.field(index))
            } else if let index = normalizedHeader.firstIndex(of: column.name), !options.columnMap.values.contains(where: { $0.lowercased() == column.name }) {
                used.insert(index)
                sources.append(.field(index))
            } else {
                if column.required { missing.append(column.name) }
                sources.append(.missing)
            }
        }
        if !missing.isEmpty {
            throw OmnisegError(.badInput, "the header lacks required \(options.kind.rawValue) column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")); it has \(header.joined(separator: ", ")). Rename with --map ours=theirs or give a constant with --set column=value", context: [("file", file), ("line", "1")])
        }
        self.sources = sources
        self.headerCount = header.count
        self.ignoredHeaders = header.indices.filter { !used.contains($0) }.map { header[$0] }
    }
}
