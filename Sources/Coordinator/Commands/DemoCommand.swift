import ArgumentParser
import Churn
import Clustering
import Coordination
import FeatureStore
import Foundation
import Identity
import Ingest
import JobKinds
import JobRuntime
import OmnisegCore
import Recommend
import RecommendWorkspace
import Report
import Segments
import Synthetic
import Workspace

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Generate a retailer, ingest it, resolve identities, build features, cluster customers, score churn risk and recommend products, all in-process.",
        discussion: "Runs embedded (no Redis). Starts from a fresh workspace in --dir each time."
    )

    @Option(help: "Number of people to generate.") var people = 100_000
    @Option(help: "Random seed.") var seed: UInt64 = 42
    @Option(help: ArgumentHelp("Folder for the generated files and the workspace.", valueName: "dir")) var dir = "demo-output"

    func run() throws {
        let data = (dir as NSString).appendingPathComponent("data")
        let workspacePath = (dir as NSString).appendingPathComponent("workspace.sqlite")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: workspacePath + suffix) }
        let clock = ProgressMeter.now()
        func step(_ title: String) { print("\n== \(title)  (\(Format.fixed(ProgressMeter.now() - clock, 1)) s)") }

        step("1/8 generate \(Format.count(people)) people (seed \(seed))")
        let summary = try failingCleanly { () throws(OmnisegError) in
            try RetailerGenerator(options: GeneratorOptions(people: people, seed: seed)).write(to: data)
        }
        print("\(Format.count(summary.customerRecords)) customer records, \(Format.count(summary.transactionLines)) transaction lines, \(Format.count(summary.events)) events, \(Format.count(summary.products)) products → \(data)")

        step("2/8 ingest into \(workspacePath)")
        let workspace = try failingCleanly { () throws(OmnisegError) in try Workspace(path: workspacePath) }
        let ingester = Ingester(workspace: workspace, progressStyle: .silent)
        for kind in [IngestKind.customers, .products, .transactions, .events] {
            let file = (data as NSString).appendingPathComponent("\(kind.rawValue).csv")
            let report = try failingCleanly { () throws(OmnisegError) in try ingester.ingest(file: file, options: IngestOptions(kind: kind)) }
            print(IngestSummary.text(report))
        }

        step("3/8 resolve identities")
        let (report, overlap) = try failingCleanly { () throws(OmnisegError) in
            (try IdentityResolver().resolve(workspace), try ChannelOverlap.compute(workspace))
        }
        print(ResolveSummary.text(report))
        print("(ground truth: \(Format.count(people)) people)")
        print("")
        print(overlap.table)

        step("4/8 build features")
        let matrix = try failingCleanly { () throws(OmnisegError) in
            var matrix = try FeatureBuilder().build(workspace)
            matrix.setID = try FeatureStore(workspace: workspace).save(matrix)
            return try FeatureStore(workspace: workspace).load(setID: matrix.setID)
        }
        print("feature set \(matrix.setID): \(Format.count(matrix.rowCount)) people × \(matrix.columnCount) features as of \(CivilDate.isoDate(unixSeconds: matrix.asOf)), \(matrix.shards.count) shard(s), checksums verified")
        print(FeatureDescription(matrix).table)

        step("5/8 cluster customers (k-means, k = 8, all features standardized)")
        let outcome = try failingCleanly { () throws(OmnisegError) in
            try EmbeddedJob(workspace: workspace, matrix: matrix, threads: CPUFeatures.cores).run(ClusterJob.name, parameters: JobParameters(["k": "8"]))
        }
        let clusters = try failingCleanly { () throws(OmnisegError) in try JobKindRegistry.render(ClusterJob.name, result: outcome.result.get(), json: false) }
        print("job \(outcome.id):")
        print(clusters, terminator: "")
        step("6/8 churn risk: train on features as of 90 days before the end, score today's")
        let churn = try failingCleanly { () throws(OmnisegError) -> (train: String, trainID: String, score: String, scoreID: String) in
            let cutoff = matrix.asOf - 90 * 86_400
            var training = try FeatureBuilder(options: FeatureOptions(asOf: cutoff)).build(workspace)
            training.setID = try FeatureStore(workspace: workspace).save(training)
            let embedded = EmbeddedJob(workspace: workspace, matrix: training, threads: CPUFeatures.cores)
            let train = try embedded.run(ChurnTrainJob.name, parameters: JobParameters())
            let score = try EmbeddedJob(workspace: workspace, matrix: matrix, threads: CPUFeatures.cores).run(ChurnScoreJob.name, parameters: JobParameters())
            return (try JobKindRegistry.render(ChurnTrainJob.name, result: train.result.get(), json: false), train.id,
                    try JobKindRegistry.render(ChurnScoreJob.name, result: score.result.get(), json: false), score.id)
        }
        print("job \(churn.trainID) (train, feature set as of \(CivilDate.isoDate(unixSeconds: matrix.asOf - 90 * 86_400))):")
        print(churn.train, terminator: "")
        print("job \(churn.scoreID) (score feature set \(matrix.setID)):")
        print(churn.score, terminator: "")
        step("7/8 recommend: co-occurrence and cross-occurrence (views, cart-adds → purchases) by log-likelihood ratio")
        let recommended = try failingCleanly { () throws(OmnisegError) -> (id: String, text: String, explained: String) in
            let run = try EmbeddedJob(workspace: workspace, matrix: matrix, threads: CPUFeatures.cores).run(RecommendJob.name, parameters: JobParameters())
            let result = try RecommendResult(decoding: RecommendJob.resultBody(run.result.get()))
            let builder = InteractionBuilder(level: result.catalog.level, withinDays: result.options.withinDays)
            let person = matrix.people.id(ofRow: 0)
            let history = try builder.history(ofPerson: person, row: 0, in: workspace, asOf: result.asOf, catalog: result.catalog)
            return (run.id, RecommendReport.text(result), RecommendExplanation(result: result, person: person, history: history).text(result.catalog, reasons: 2))
        }
        print("job \(recommended.id):")
        print(recommended.text, terminator: "")
        print("")
        print(recommended.explained, terminator: "")
        step("8/8 segments: how the built-in and example segments overlap, and the HTML report")
        let reportPath = URL(fileURLWithPath: workspacePath).deletingLastPathComponent().appendingPathComponent("report.html").path
        let combinations = try failingCleanly { () throws(OmnisegError) -> String in
            let report = try HTMLReport.embedded(workspace: workspace, matrix: matrix, threads: CPUFeatures.cores)
            do { try Data(report.html.utf8).write(to: URL(fileURLWithPath: reportPath)) } catch {
                throw OmnisegError(.io, "cannot write the report: \(error.localizedDescription)", context: [("file", reportPath)])
            }
            return SegmentReport.text(report.chosen)
        }
        print(combinations, terminator: "")
        print("\nreport: \(reportPath)")
        print("\ndone in \(Format.fixed(ProgressMeter.now() - clock, 1)) s. Explore with: omniseg features --describe -w \(workspacePath); omniseg result \(outcome.id) -w \(workspacePath); "
              + "omniseg churn explain --person 1 -w \(workspacePath); omniseg recommend --person 1 --explain -w \(workspacePath); "
              + "omniseg overlap \"rfm IN (champions, loyal)\" \"channel = omnichannel\" --feature-set \(matrix.setID) -w \(workspacePath)")
    }
}
