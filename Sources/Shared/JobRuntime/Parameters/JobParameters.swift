import OmnisegCore

/// A job's parameters as `name=value` pairs, kept sorted so the encoded spec is canonical.
public struct JobParameters: Sendable, Equatable {
    public private(set) var values: [String: String]

    public init(_ values: [String: String] = [:]) { self.values = values }

    /// Parses `name=value` strings; throws `.badInput` for one without `=`.
    public init(parsing pairs: [String]) throws(OmnisegError) {
        var values: [String: String] = [:]
        for pair in pairs {
            guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                throw OmnisegError(.badInput, "a job parameter is name=value (got '\(pair)')")
            }
            values[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
        }
        self.values = values
    }

    public subscript(name: String) -> String? {
        get { values[name] }
        set { values[name] = newValue }
    }

    /// The sorted pairs.
    public var sorted: [(name: String, value: String)] { values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
}
