import OmnisegCore

/// Reads a kind's parameters from command-line options built from its ``ParameterSchema``:
/// `--max-iter 20`, `--max-iter=20`, a flag as `--repeats`. Pure, so it is tested without a process.
public enum ParameterArguments {
    /// The job parameters `arguments` give; throws naming the first option the kind does not take
    /// or the first value that is missing or not what its parameter takes.
    public static func parse(_ arguments: [String], schema: ParameterSchema, kind: String) throws(OmnisegError) -> JobParameters {
        var none: [String]? = nil
        return try parse(arguments, schema: schema, kind: kind, positionals: &none)
    }

    /// Like ``parse(_:schema:kind:)``, collecting the arguments that are not options into
    /// `positionals` (in order) when it is not nil; when it is nil they are an error.
    public static func parse(_ arguments: [String], schema: ParameterSchema, kind: String,
                             positionals: inout [String]?) throws(OmnisegError) -> JobParameters {
        var parameters = JobParameters()
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            i += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                if positionals != nil {
                    positionals?.append(argument)
                    continue
                }
                throw OmnisegError(.badInput, "unexpected argument '\(argument)' (job kind '\(kind)' takes options like --\(schema.specs.first?.option ?? "name") VALUE)")
            }
            var name = String(argument.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let spec = schema.spec(forOption: name) else {
                let options = schema.specs.compactMap { $0.option.map { "--\($0)" } }
                throw OmnisegError(.badInput, "job kind '\(kind)' has no option --\(name) (it takes: \(options.joined(separator: ", ")))")
            }
            let text: String
            if spec.value == .flag {
                text = inline ?? "1"
            } else if let inline {
                text = inline
            } else {
                guard i < arguments.count else {
                    throw OmnisegError(.badInput, "option --\(name) needs a value: \(spec.value.expectation)")
                }
                text = arguments[i]
                i += 1
            }
            if !spec.isReference { try spec.check(text) }
            parameters[spec.name] = text
        }
        return parameters
    }
}
