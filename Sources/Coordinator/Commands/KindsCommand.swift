import ArgumentParser
import JobKinds
import JobRuntime
import OmnisegCore

/// `omniseg kinds [KIND]`: the job kinds this build runs, or one kind's parameters.
struct KindsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinds", abstract: "List the job kinds, or one kind's parameters and their defaults.",
        discussion: "Each parameter is an option of `omniseg run KIND` (--max-iter 20) and a --param name=value pair of `run` and `submit`.")

    @Argument(help: "A job kind.") var kind: String?

    func run() throws {
        guard let kind else {
            let width = JobKindRegistry.names.map(\.count).max() ?? 0
            for d in JobKindRegistry.all { print(d.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + d.summary) }
            return
        }
        let descriptor = try exiting { () throws(OmnisegError) in try JobKindRegistry.descriptor(kind) }
        print("\(descriptor.name): \(descriptor.summary)\n")
        print(KindArguments.help(descriptor))
    }
}
