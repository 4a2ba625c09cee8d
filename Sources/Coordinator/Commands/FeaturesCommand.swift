import ArgumentParser
import FeatureStore
import Ingest
import OmnisegCore

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Build the per-person feature matrix (or describe the newest one).",
        discussion: """
            One row per person: recency, frequency and monetary overall and per channel, channel mix,
            tenure, department shares, discount and new-arrival shares, web views, cart-adds and logins
            over the last 30 and 90 days, the mean interval between orders and how overdue the next one is,
            orders and spend in the last 90 days against the 90 before, distinct departments —
            as of the end of --as-of (default: the last transaction's day).
            Stored as float32 shards, column-major and 64-byte aligned, each with a checksum.
            """
    )

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @Option(help: ArgumentHelp("Count what happened up to the end of this day.", valueName: "YYYY-MM-DD")) var asOf: String?
    @Option(help: "Rows per shard.") var shardRows = 65_536
    @Flag(help: "Print per-feature statistics of the newest feature set instead of building one.") var describe = false

    func validate() throws {
        guard shardRows >= 16, shardRows % 16 == 0 else { throw ValidationError("--shard-rows must be a positive multiple of 16") }
        if let asOf, TimestampParser.iso8601.parse(asOf) == nil { throw ValidationError("--as-of takes a date like 2026-03-31, got '\(asOf)'") }
    }

    func run() throws {
        let workspace = try workspaceOptions.open()
        if describe {
            let matrix = try failingCleanly { () throws(OmnisegError) in try FeatureStore(workspace: workspace).load() }
            print("feature set \(matrix.setID): \(Format.count(matrix.rowCount)) people × \(matrix.columnCount) features, as of \(CivilDate.isoDate(unixSeconds: matrix.asOf)), \(matrix.shards.count) shard(s), checksums verified")
            print(FeatureDescription(matrix).table)
            return
        }
        let start = ProgressMeter.now()
        let matrix = try failingCleanly { () throws(OmnisegError) in
            let asOfSeconds = asOf.flatMap { TimestampParser.iso8601.parse($0) }
            var matrix = try FeatureBuilder(options: FeatureOptions(asOf: asOfSeconds, shardRows: shardRows)).build(workspace)
            matrix.setID = try FeatureStore(workspace: workspace).save(matrix)
            return matrix
        }
        print("feature set \(matrix.setID): \(Format.count(matrix.rowCount)) people × \(matrix.columnCount) features as of \(CivilDate.isoDate(unixSeconds: matrix.asOf)) in \(matrix.shards.count) shard(s), \(Format.fixed(ProgressMeter.now() - start, 1)) s")
    }
}
