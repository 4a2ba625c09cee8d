import ArgumentParser
import Clustering
import FeatureStore
import JobRuntime
import OmnisegCore

/// `omniseg cluster`: run k-means (job kind cluster, ``Run``, the default), or measure its clusters
/// on held-out time (``Evaluate``).
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Behavioural clusters: SIMD k-means over the feature matrix (job kind cluster).",
        subcommands: [Run.self, Evaluate.self], defaultSubcommand: Run.self)

    /// `omniseg cluster [run]`: the cluster job, as `omniseg run cluster`.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run k-means (the default: `omniseg cluster …` is `omniseg cluster run …`, as `omniseg run cluster …`).",
            discussion: KindArguments.help(ClusterJob.descriptor))

        @OptionGroup var job: ForegroundJob
        @Argument(parsing: .allUnrecognized, help: "The job kind's options (below).") var options: [String] = []

        func run() throws { try job.run(ClusterJob.descriptor, options) }
    }

    /// `omniseg cluster evaluate`: the cluster job with several seeds on features as of --train-until,
    /// and once more on features as of --test-until.
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure clusters: inertia, variance explained, silhouette, stability across seeds and over time.",
            discussion: """
                Builds features as of the end of --train-until (or uses --feature-set) and runs the cluster job on them with \
                --seeds seeds (the job's --seed and the next ones); then builds features as of the end of --test-until and runs it \
                once more (first seed). Prints per seed the inertia, the share of the variance the clusters explain (against one \
                cluster), the mean silhouette on a seeded sample of 2,000 people and the smallest cluster's share; the mean \
                adjusted Rand index between the seeds' clusters (1: the same clusters whatever the seed); and the adjusted Rand \
                index of the people in both sets between their clusters at the two dates (do the segments hold?).

                """ + KindArguments.help(ClusterJob.descriptor))

        @OptionGroup var split: TimeSplitOptions
        @Option(help: "Runs with consecutive seeds, for the stability across seeds.") var seeds = 3
        @OptionGroup var job: ForegroundJob
        @Argument(parsing: .allUnrecognized, help: "The job kind's options (below).") var options: [String] = []

        func validate() throws {
            guard (2...20).contains(seeds) else { throw ValidationError("--seeds takes 2 to 20 runs") }
        }

        func run() throws {
            guard split.isGiven else { throw ValidationError("cluster evaluate needs --train-until and --test-until") }
            let given = try KindArguments.parameters(options, kind: ClusterJob.descriptor, workspace: job.workspace)
            let workspace = try job.workspace.open()
            _ = try split.parameters(given, window: nil, kind: ClusterJob.descriptor, in: workspace)
            let first = Int(given[ClusterParameters.seed.name] ?? "") ?? ClusterParameters.seed.fallback
            let trainSet = try split.featureSetID(in: workspace)
            let testSet = try split.featureSetID(in: workspace, asOfDay: try split.testDay)
            func cluster(_ set: Int64, seed: Int) throws -> (String, ClusterResult) {
                var parameters = given
                parameters[CommonParameters.featureSet.name] = "\(set)"
                parameters[ClusterParameters.seed.name] = "\(seed)"
                let (id, bytes) = try job.execute(ClusterJob.name, parameters: parameters)
                return (id, try exiting { () throws(OmnisegError) in try ClusterResult(decoding: try ClusterJob.resultBody(bytes)) })
            }
            var runs: [(seed: Int, result: ClusterResult)] = [], jobs: [String] = []
            for seed in first..<(first + seeds) {
                let (id, result) = try cluster(trainSet, seed: seed)
                runs.append((seed, result))
                jobs.append(id)
            }
            let (laterJob, later) = try cluster(testSet, seed: first)
            let evaluation = try exiting { () throws(OmnisegError) in
                let store = FeatureStore(workspace: workspace)
                return try ClusterEvaluation.evaluate(runs, matrix: try store.load(setID: trainSet), later: (later, try store.load(setID: testSet)))
            }
            if job.quiet { print((jobs + [laterJob]).joined(separator: " ")); return }
            if job.queue.json {
                print(JSONText.object([("jobs", "[" + jobs.map(JSONText.quoted).joined(separator: ",") + "]"), ("later_job", JSONText.quoted(laterJob)),
                                       ("feature_set", "\(trainSet)"), ("later_feature_set", "\(testSet)"),
                                       ("train_until", JSONText.quoted(split.trainUntil ?? "")), ("test_until", JSONText.quoted(split.testUntil ?? "")),
                                       ("evaluation", evaluation.json)]))
            } else {
                print("jobs \(jobs.joined(separator: ", ")): clusters of feature set \(trainSet) (as of \(split.trainUntil ?? "")), "
                      + "\(runs.count) seeds; job \(laterJob): feature set \(testSet) (as of \(split.testUntil ?? ""))")
                print(evaluation.text(dates: (split.trainUntil ?? "", split.testUntil ?? "")), terminator: "")
            }
        }
    }
}
