import OmnisegCore

/// What values a job parameter takes. One case per shape, so validation, help text and the
/// command line all read the same description.
public enum ParameterValue: Sendable, Equatable {
    /// A whole number in the range.
    case integer(ClosedRange<Int>)
    /// A finite decimal number in the range.
    case decimal(ClosedRange<Double>)
    /// One of these words (case-insensitive).
    case choice([String])
    /// On or off: `1` or `0` in a job's parameters; on the command line, the option without a value.
    case flag
    /// Free text; the string says what it looks like (for help and errors), for example "a,b,c".
    case text(String)
    /// The id (1 or more) of something stored in the workspace, named by the string ("label set");
    /// a command may also take a file and import it as one first (``ParameterSpec/isReference``).
    case reference(String)

    /// "an integer from 1 to 256", "one of any, store, online", …: what the value must be.
    public var expectation: String {
        switch self {
        case .integer(let r): return "an integer from \(r.lowerBound) to \(r.upperBound)"
        case .decimal(let r): return "a number from \(Self.shown(r.lowerBound)) to \(Self.shown(r.upperBound))"
        case .choice(let words): return "one of \(words.joined(separator: ", "))"
        case .flag: return "0 or 1"
        case .text(let shape): return shape
        case .reference(let what): return "the id of a \(what)"
        }
    }

    /// The placeholder of the value in help text.
    public var placeholder: String {
        switch self {
        case .integer: return "n"
        case .decimal: return "x"
        case .choice(let words): return words.joined(separator: "|")
        case .flag: return ""
        case .text: return "text"
        case .reference: return "id"
        }
    }

    /// A decimal as help shows it: no `.0` on whole numbers.
    public static func shown(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
    }
}

/// One job parameter as a job kind declares it: the single definition that validates it, documents
/// it and makes its command-line option. Built with ``Parameter`` (which adds the typed reading).
public struct ParameterSpec: Sendable, Equatable {
    /// The name in a job's parameters (`name=value` on `--param`, in the queued job spec).
    public let name: String
    public let value: ParameterValue
    /// The default, as a person reads it ("8", "√features", "the newest"); nil when there is none.
    public let defaultText: String?
    public let help: String
    /// The command-line option without its dashes; nil when the parameter has none (it is made by the
    /// command from its positional arguments, like a segment's rules).
    public let option: String?
    /// A family of numbered parameters, `name_1` … `name_N`, instead of one.
    public let numbered: ClosedRange<Int>?

    public init(name: String, value: ParameterValue, defaultText: String?, help: String, option: String?, numbered: ClosedRange<Int>? = nil) {
        self.name = name
        self.value = value
        self.defaultText = defaultText
        self.help = help
        self.option = option
        self.numbered = numbered
    }

    /// The option people type by default: the name with `-` for `_`.
    public static func optionName(_ name: String) -> String { name.replacingOccurrences(of: "_", with: "-") }

    /// Whether `key` (a name in a job's parameters) is this parameter.
    public func matches(_ key: String) -> Bool {
        guard let numbered else { return key == name }
        guard key.hasPrefix(name + "_"), let index = Int(key.dropFirst(name.count + 1)) else { return false }
        return numbered.contains(index)
    }

    /// Whether the value is a reference to something stored, which a command may resolve from a
    /// file first (importing it) before the value is checked.
    public var isReference: Bool {
        if case .reference = value { return true }
        return false
    }

    /// Throws unless `text` is a value this parameter takes; the error names the parameter and what it expects.
    public func check(_ text: String, as key: String? = nil) throws(OmnisegError) {
        let ok: Bool
        switch value {
        case .integer(let r): ok = Int(text).map(r.contains) ?? false
        case .decimal(let r): ok = Double(text).map { $0.isFinite && r.contains($0) } ?? false
        case .choice(let words): ok = words.contains(text.lowercased())
        case .flag: ok = text == "0" || text == "1"
        case .text: ok = true
        case .reference: ok = Int(text).map { (1...Int(Int32.max)).contains($0) } ?? false
        }
        guard ok else { throw Self.invalid(key ?? name, text, value.expectation) }
    }

    /// The error of a value that is not what the parameter takes.
    public static func invalid(_ key: String, _ text: String, _ expectation: String) -> OmnisegError {
        OmnisegError(.badInput, "job parameter '\(key)' must be \(expectation) (got '\(text)')")
    }
}
