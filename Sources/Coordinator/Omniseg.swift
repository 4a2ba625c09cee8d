import ArgumentParser
import Shared

/// The `omniseg` command: ingest, resolve, featurize and (later) submit jobs.
@main
struct Omniseg: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "omniseg",
        abstract: "Overlapping customer segments for omnichannel retailers.",
        discussion: """
            A workspace is one SQLite file. Load CSV exports with `ingest`, unify customers with `resolve`,
            build the feature matrix with `features`. `demo` runs all of it on generated data.
            """,
        version: OmnisegVersion.current,
        subcommands: [GenerateCommand.self, IngestCommand.self, ResolveCommand.self, FeaturesCommand.self,
                      QuarantineCommand.self, DemoCommand.self]
    )
}

/// Options every workspace command takes.
struct WorkspaceOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("The workspace file (created if missing).", valueName: "path"))
    var workspace: String = ProcessEnvironment.value("OMNISEG_WORKSPACE") ?? "omniseg.sqlite"

    func open() throws -> Workspace {
        try failingCleanly { () throws(OmnisegError) in try Workspace(path: workspace) }
    }
}

/// Runs `body`; an ``OmnisegError`` is printed as `error: …` and the process exits with status 1.
func failingCleanly<T>(_ body: () throws(OmnisegError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        StandardError.write("error: \(error)\n")
        throw ExitCode.failure
    }
}
