import ArgumentParser
import OmnisegCore
import Workspace

/// The `omniseg` command: ingest, resolve, featurize and (later) submit jobs.
@main
struct Omniseg: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "omniseg",
        abstract: "Overlapping customer segments for omnichannel retailers.",
        discussion: """
            A workspace is one SQLite file. Load CSV exports with `ingest`, unify customers with `resolve`,
            build the feature matrix with `features`. Jobs (`run`, `submit`, `status`, `watch`, `result`, `cancel`) run
            embedded when no Redis is given, or on `omniseg-worker` processes through Redis (--redis or OMNISEG_REDIS_URL)
            with a `coordinator` serving the workspace. `demo` runs all of it on generated data.
            Exit status: 0 ok, 1 error, 2 job failed, 3 job cancelled, 4 job not finished, 64 usage,
            69 Redis unreachable, 77 Redis refused the credentials.
            """,
        version: OmnisegVersion.current,
        subcommands: [GenerateCommand.self, IngestCommand.self, ResolveCommand.self, MatchCommand.self, FeaturesCommand.self,
                      QuarantineCommand.self, DemoCommand.self, SubmitCommand.self, StatusCommand.self, WatchCommand.self,
                      ResultCommand.self, CancelCommand.self, WorkersCommand.self, DeadLetterCommand.self, CoordinatorCommand.self,
                      RunCommand.self, KindsCommand.self, ClusterCommand.self, ChurnCommand.self, RecommendCommand.self, SegmentCommand.self, OverlapCommand.self, AudienceCommand.self, ReportCommand.self]
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
