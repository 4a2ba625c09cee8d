import OmnisegCore

/// The parameters every kind takes, beside its own.
public enum CommonParameters {
    /// Which stored feature set the job reads (default: the one with the latest as-of day, pinned
    /// when the job is submitted).
    public static let featureSet = Parameter<Int64?>.reference(
        "feature_set", to: "feature set", shown: "the latest as-of day", help: "The feature set the job reads.")
}

/// The parameters of one job kind, in the order its help lists them. A kind's one list: it checks a
/// job's parameters before the job is queued, writes the help of `omniseg kinds` and of the
/// commands that run the kind, and reads their command-line options (``ParameterArguments``).
public struct ParameterSchema: Sendable {
    /// The kind's own parameters, then the common ones.
    public let specs: [ParameterSpec]

    public init(_ specs: [ParameterSpec]) {
        self.specs = specs + [CommonParameters.featureSet.spec]
    }

    private init(exactly specs: [ParameterSpec]) { self.specs = specs }

    /// The same schema for a kind that reads no feature set (without `feature_set`).
    public var withoutFeatureSet: ParameterSchema {
        ParameterSchema(exactly: specs.filter { $0.name != CommonParameters.featureSet.name })
    }

    /// The parameter `key` is (a name, or one of a numbered family's).
    public func spec(for key: String) -> ParameterSpec? { specs.first { $0.matches(key) } }

    /// The parameter whose command-line option is `option` (without dashes).
    public func spec(forOption option: String) -> ParameterSpec? { specs.first { $0.option == option } }

    /// Throws for a name the kind does not take, or a value a parameter does not take.
    public func validate(_ parameters: JobParameters, kind: String) throws(OmnisegError) {
        for (key, text) in parameters.sorted {
            guard let spec = spec(for: key) else {
                let names = specs.map { $0.numbered == nil ? $0.name : "\($0.name)_N" }
                throw OmnisegError(.badInput, "job kind '\(kind)' has no parameter '\(key)' (it takes: \(names.joined(separator: ", ")))")
            }
            try spec.check(text, as: key)
        }
    }

    /// The parameters as help text: per parameter its option (or name) on one line and what it does,
    /// takes and defaults to below it.
    public func helpText(indent: String = "  ") -> String {
        var lines: [String] = []
        for s in specs {
            var head: String
            if let option = s.option {
                head = "--\(option)" + (s.value == .flag ? "" : " <\(s.value.placeholder)>")
            } else {
                head = "(\(s.numbered == nil ? s.name : "\(s.name)_N"))"
            }
            if s.option != nil, s.option != s.name { head += "  (parameter \(s.name))" }
            var text = s.help
            if s.value != .flag { text += " Takes \(s.value.expectation)." }
            if let shown = s.defaultText { text += " Default: \(shown)." }
            lines.append(indent + head)
            lines.append(contentsOf: TextWrap.lines(text, width: 76 - 3 * indent.count).map { indent + indent + indent + $0 })
        }
        return lines.joined(separator: "\n")
    }
}
