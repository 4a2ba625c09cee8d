import ArgumentParser
import FeatureStore
import Ingest
import JobRuntime
import OmnisegCore
import Workspace

/// `--train-until DATE --test-until DATE`: an evaluation on held-out time. Features (and a model)
/// count what happened up to the end of --train-until; outcomes are what happened from the day after
/// to the end of --test-until.
struct TimeSplitOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Features and model as of the end of this day.", valueName: "YYYY-MM-DD")) var trainUntil: String?
    @Option(help: ArgumentHelp("Outcomes from the day after --train-until to the end of this day.", valueName: "YYYY-MM-DD")) var testUntil: String?
    @Option(help: ArgumentHelp("Use this stored feature set (its as-of day must be --train-until) instead of building one.", valueName: "id"))
    var featureSet: Int?

    /// Days from 00:00 UTC of each date.
    private static func day(_ text: String?, _ option: String) throws -> Int64 {
        guard let text else { throw ValidationError("\(option) is missing: give both --train-until and --test-until") }
        guard let seconds = TimestampParser.iso8601.parse(text), seconds % 86_400 == 0 else {
            throw ValidationError("\(option) takes a date like 2026-03-31, got '\(text)'")
        }
        return seconds / 86_400
    }

    /// Whether a split was given (both dates; one alone is refused by ``validate()``).
    var isGiven: Bool { trainUntil != nil || testUntil != nil }

    func validate() throws {
        // Without a split, --feature-set is the command's own (churn evaluate passes it to its job).
        guard isGiven else { return }
        let train = try trainDay, test = try testDay
        guard test > train else { throw ValidationError("--test-until (\(testUntil ?? "")) must be after --train-until (\(trainUntil ?? ""))") }
    }

    var trainDay: Int64 { get throws { try Self.day(trainUntil, "--train-until") } }
    var testDay: Int64 { get throws { try Self.day(testUntil, "--test-until") } }
    /// Days of outcomes after the training cut-off.
    var testDays: Int { get throws { Int(try testDay - trainDay) } }

    /// The feature set as of the end of day `day` (default --train-until): --feature-set when given for
    /// that day (checked), or one built now and stored (so it counts every record ingested so far, on
    /// the current identity generation); announced on standard error.
    func featureSetID(in workspace: Workspace, asOfDay day: Int64? = nil) throws -> Int64 {
        let asOfDay = try day ?? trainDay
        let store = FeatureStore(workspace: workspace)
        let date = CivilDate.isoDate(unixSeconds: asOfDay * 86_400)
        if let featureSet, day == nil {
            let asOf = try failingCleanly { () throws(OmnisegError) in try store.asOf(setID: Int64(featureSet)) }
            guard let asOf else { throw ValidationError("no feature set \(featureSet) in \(workspace.path)") }
            guard asOf / 86_400 == asOfDay else {
                throw ValidationError("feature set \(featureSet) is as of \(CivilDate.isoDate(unixSeconds: asOf)), not --train-until \(trainUntil ?? "")")
            }
            return Int64(featureSet)
        }
        return try failingCleanly { () throws(OmnisegError) -> Int64 in
            let matrix = try FeatureBuilder(options: FeatureOptions(asOf: asOfDay * 86_400)).build(workspace)
            let id = try store.save(matrix)
            StandardError.write("built feature set \(id) as of \(date) for this evaluation (reuse it with --feature-set \(id))\n")
            return id
        }
    }

    /// `parameters` with the evaluation window (in `window`, when the kind has one) and checked against `kind` — before any
    /// feature set is built; refuses the kind options the split sets, and a window past the newest
    /// transaction in `workspace`.
    func parameters(_ parameters: JobParameters, window: Parameter<Int?>?, kind: JobKindDescriptor, in workspace: Workspace) throws -> JobParameters {
        for name in [CommonParameters.featureSet.name] + (window.map { [$0.name] } ?? []) where parameters[name] != nil {
            throw ValidationError("--\(name.replacingOccurrences(of: "_", with: "-")) is set by --train-until, --test-until and --feature-set here")
        }
        let newest = try failingCleanly { () throws(OmnisegError) in try workspace.db.scalar("SELECT max(ts) FROM txn")?.integer }
        guard let newest else { throw ValidationError("no transactions in \(workspace.path): nothing to evaluate on") }
        guard try testDay <= newest / 86_400 else {
            throw ValidationError("--test-until \(testUntil ?? "") runs past the newest transaction (\(CivilDate.isoDate(unixSeconds: newest)))")
        }
        var given = parameters
        if let window { given[window.name] = "\(try testDays)" }
        try exiting { () throws(OmnisegError) in try kind.parameters.validate(given, kind: kind.name) }
        return given
    }
}
