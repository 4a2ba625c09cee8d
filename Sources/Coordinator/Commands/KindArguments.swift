import ArgumentParser
import Churn
import ChurnWorkspace
import JobKinds
import JobRuntime
import OmnisegCore
import Workspace

/// A kind's parameters on the command line: the options its ``ParameterSchema`` makes, read after
/// ArgumentParser has taken the command's own options. No command writes a parameter's name.
enum KindArguments {
    /// The job parameters of `kind` that `arguments` (and `--param name=value` pairs) give, with
    /// references given as files imported into `workspace` first, checked against the schema.
    /// `positionals`: arguments that are not options belong to the command (they are skipped here).
    static func parameters(_ arguments: [String], pairs: [String] = [], kind: JobKindDescriptor, base: JobParameters = JobParameters(),
                           workspace: WorkspaceOptions, positionals: Bool = false) throws -> JobParameters {
        var parameters = base
        try exiting { () throws(OmnisegError) in
            for (name, value) in try JobParameters(parsing: pairs).sorted { parameters[name] = value }
            var skipped: [String]? = positionals ? [] : nil
            let given = try ParameterArguments.parse(arguments, schema: kind.parameters, kind: kind.name, positionals: &skipped)
            for (name, value) in given.sorted { parameters[name] = value }
        }
        for spec in kind.parameters.specs where spec.isReference {
            guard let text = parameters[spec.name], Int(text) == nil, let importer = importers.first(where: { $0.value == spec.value }) else { continue }
            let ws = try workspace.open()
            parameters[spec.name] = "\(try exiting { () throws(OmnisegError) in try importer.run(ws, text) })"
        }
        try exiting { () throws(OmnisegError) in try kind.parameters.validate(parameters, kind: kind.name) }
        return parameters
    }

    /// The help of `kind`'s options, for a command's discussion.
    static func help(_ kind: JobKindDescriptor, intro: String = "") -> String {
        (intro.isEmpty ? "" : intro + "\n\n") + "Options of job kind \(kind.name):\n" + kind.parameters.helpText()
    }

    /// References a file may stand for on the command line: the file is imported and its id used.
    private struct Importer: Sendable {
        let value: ParameterValue
        let run: @Sendable (Workspace, String) throws(OmnisegError) -> Int64
    }

    private static let importers = [
        Importer(value: ChurnParameters.labels.spec.value) { ws, path throws(OmnisegError) in
            let set = try ChurnStore(workspace: ws).importLabels(csvAt: path)
            StandardError.write("imported label set \(set.id): \(Format.count(set.people)) people, \(Format.count(set.churned)) churned\n")
            return set.id
        },
    ]
}
