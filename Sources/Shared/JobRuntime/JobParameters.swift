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

    /// An integer parameter in `range`, or `defaultValue` when absent.
    public func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(OmnisegError) -> Int {
        guard let text = values[name] else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw OmnisegError(.badInput, "job parameter '\(name)' must be an integer from \(range.lowerBound) to \(range.upperBound) (got '\(text)')")
        }
        return value
    }

    /// A decimal parameter in `range`, or `defaultValue` when absent.
    public func double(_ name: String, default defaultValue: Double, in range: ClosedRange<Double>) throws(OmnisegError) -> Double {
        guard let text = values[name] else { return defaultValue }
        guard let value = Double(text), value.isFinite, range.contains(value) else {
            throw OmnisegError(.badInput, "job parameter '\(name)' must be a number from \(range.lowerBound) to \(range.upperBound) (got '\(text)')")
        }
        return value
    }

    /// The parameter every kind takes: which stored feature set the job reads (default: the latest).
    public static let featureSetName = "feature_set"

    /// The `feature_set` parameter, or nil for the latest set.
    public func featureSet() throws(OmnisegError) -> Int64? {
        guard values[Self.featureSetName] != nil else { return nil }
        return Int64(try integer(Self.featureSetName, default: 0, in: 1...Int(Int32.max)))
    }

    /// Throws for a parameter name not in `known` (``featureSetName`` is always known).
    public func expectOnly(_ known: Set<String>, kind: String) throws(OmnisegError) {
        for name in values.keys.sorted() where !known.contains(name) && name != Self.featureSetName {
            throw OmnisegError(.badInput, "job kind '\(kind)' has no parameter '\(name)' (it takes: \(known.sorted().joined(separator: ", ")))")
        }
    }
}
