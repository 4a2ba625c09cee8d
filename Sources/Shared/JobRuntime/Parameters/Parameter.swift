import OmnisegCore

/// A job parameter with its type: the ``ParameterSpec`` that documents it and the parser that turns
/// its text into a `Value`. A kind declares each of its parameters once, as a static `Parameter`, and
/// reads it with ``JobParameters/value(_:)``; its ``ParameterSchema`` lists the same values.
///
/// A parameter with a default has a plain `Value` (`Parameter<Int>`); one without has an optional
/// (`Parameter<Int?>`, nil when not given).
public struct Parameter<Value: Sendable>: Sendable {
    public let spec: ParameterSpec
    /// The value when the parameter is not given.
    public let fallback: Value
    private let parser: @Sendable (String) throws(OmnisegError) -> Value

    public init(_ spec: ParameterSpec, fallback: Value, parse: @escaping @Sendable (String) throws(OmnisegError) -> Value) {
        self.spec = spec
        self.fallback = fallback
        self.parser = parse
    }

    public var name: String { spec.name }

    /// Parses `text` given under `key` (the name, or one of a numbered family's names).
    public func parse(_ text: String, key: String? = nil) throws(OmnisegError) -> Value {
        try spec.check(text, as: key)
        return try parser(text)
    }

    /// The same parameter with another help text or shown default (two kinds sharing one parameter
    /// whose default differs in words).
    public func described(help: String? = nil, shown: String?) -> Parameter<Value> {
        Parameter(ParameterSpec(name: spec.name, value: spec.value, defaultText: shown, help: help ?? spec.help, option: spec.option,
                                numbered: spec.numbered), fallback: fallback, parse: parser)
    }
}

/// How the typed factories below read text they already checked.
private enum Read {
    static func integer(_ text: String) -> Int { Int(text) ?? 0 }
    static func decimal(_ text: String) -> Double { Double(text) ?? 0 }
}

extension Parameter where Value == Int {
    /// An integer in `range` with a default; `option` overrides the command-line option's name.
    public static func integer(_ name: String, in range: ClosedRange<Int>, default value: Int, shown: String? = nil,
                               option: String? = nil, help: String) -> Parameter<Int> {
        Parameter(ParameterSpec(name: name, value: .integer(range), defaultText: shown ?? String(value), help: help,
                                option: option ?? ParameterSpec.optionName(name)),
                  fallback: value) { text throws(OmnisegError) in Read.integer(text) }
    }
}

extension Parameter where Value == Int? {
    /// An integer in `range`, nil when not given (`shown` says what that means).
    public static func integer(_ name: String, in range: ClosedRange<Int>, shown: String?, help: String) -> Parameter<Int?> {
        Parameter(ParameterSpec(name: name, value: .integer(range), defaultText: shown, help: help, option: ParameterSpec.optionName(name)),
                  fallback: nil) { text throws(OmnisegError) in Read.integer(text) }
    }
}

extension Parameter where Value == Double {
    /// A finite decimal in `range` with a default.
    public static func decimal(_ name: String, in range: ClosedRange<Double>, default value: Double, shown: String? = nil,
                               help: String) -> Parameter<Double> {
        Parameter(ParameterSpec(name: name, value: .decimal(range), defaultText: shown ?? ParameterValue.shown(value), help: help,
                                option: ParameterSpec.optionName(name)),
                  fallback: value) { text throws(OmnisegError) in Read.decimal(text) }
    }
}

extension Parameter where Value == Bool {
    /// On or off (`1`/`0`); off unless given.
    public static func flag(_ name: String, help: String) -> Parameter<Bool> {
        Parameter(ParameterSpec(name: name, value: .flag, defaultText: nil, help: help, option: ParameterSpec.optionName(name)),
                  fallback: false) { text throws(OmnisegError) in text == "1" }
    }
}

extension Parameter where Value == String {
    /// Free text shaped like `shape` with a default, checked by whoever reads it.
    public static func text(_ name: String, shape: String, default value: String, help: String) -> Parameter<String> {
        Parameter(ParameterSpec(name: name, value: .text(shape), defaultText: value, help: help, option: ParameterSpec.optionName(name)),
                  fallback: value) { text throws(OmnisegError) in text }
    }
}

extension Parameter where Value == String? {
    /// Free text shaped like `shape`, checked by whoever reads it; nil when not given. `option: nil`
    /// leaves it off the command line; `numbered` makes a family `name_1` … `name_N`.
    public static func text(_ name: String, shape: String, shown: String?, option: String?? = .some(nil),
                            numbered: ClosedRange<Int>? = nil, help: String) -> Parameter<String?> {
        let optionName: String? = switch option {
        case .some(.some(let o)): o
        case .some(.none): ParameterSpec.optionName(name)
        case .none: nil
        }
        return Parameter(ParameterSpec(name: name, value: .text(shape), defaultText: shown, help: help, option: optionName, numbered: numbered),
                         fallback: nil) { text throws(OmnisegError) in text }
    }

    /// One of `words` (read lower-cased); nil when not given.
    public static func choice(_ name: String, _ words: [String], shown: String?, help: String) -> Parameter<String?> {
        Parameter(ParameterSpec(name: name, value: .choice(words), defaultText: shown, help: help, option: ParameterSpec.optionName(name)),
                  fallback: nil) { text throws(OmnisegError) in text.lowercased() }
    }
}

extension Parameter where Value == Int64? {
    /// The id of a stored `what` ("label set", "churn model"); nil when not given (`shown` says what
    /// that means).
    public static func reference(_ name: String, to what: String, shown: String?, help: String) -> Parameter<Int64?> {
        Parameter(ParameterSpec(name: name, value: .reference(what), defaultText: shown, help: help, option: ParameterSpec.optionName(name)),
                  fallback: nil) { text throws(OmnisegError) in Int64(text) }
    }
}

extension JobParameters {
    /// The value of `parameter`: parsed when given, else its fallback.
    public func value<V>(_ parameter: Parameter<V>) throws(OmnisegError) -> V {
        guard let text = self[parameter.name] else { return parameter.fallback }
        return try parameter.parse(text)
    }

    /// The values of the numbered family `parameter` (`name_1` …), by number, ascending.
    public func numbered<V>(_ parameter: Parameter<V>) throws(OmnisegError) -> [(index: Int, value: V)] {
        guard let range = parameter.spec.numbered else { return [] }
        var out: [(Int, V)] = []
        for i in range {
            let key = "\(parameter.name)_\(i)"
            if let text = self[key] { out.append((i, try parameter.parse(text, key: key))) }
        }
        return out
    }

    /// Whether `parameter` was given.
    public func has<V>(_ parameter: Parameter<V>) -> Bool { self[parameter.name] != nil }

    /// Sets `parameter` to the text `value`, as `--param name=value` would.
    public mutating func set<V>(_ parameter: Parameter<V>, _ value: String) { self[parameter.name] = value }
}
