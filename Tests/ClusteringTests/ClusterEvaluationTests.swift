@testable import Clustering
@testable import FeatureStore
@testable import Features
@testable import JobRuntime
@testable import OmnisegCore
@testable import TestSupport
import Testing
@testable import Workspace

/// The cluster evaluation's figures against their definitions on a real cluster result.
@Suite struct ClusterEvaluationTests {
    static func cluster(_ matrix: FeatureMatrix, k: Int, seed: Int) throws -> ClusterResult {
        let job = try ClusterJob(columnNames: matrix.names, parameters: JobParameters(["k": "\(k)", "seed": "\(seed)"]))
        let bytes = try JobDriver(jobID: "e", kind: job, shardCount: matrix.shards.count)
            .run(transport: InProcessTransport(kind: job, shards: matrix.shards, threads: 2), checkpoints: MemoryCheckpoints())
        return try ClusterResult(decoding: job.resultBody(bytes))
    }

    @Test func eachRunsFiguresAreTheirDefinitionsAndSeedsAgreeWithThemselves() throws {
        let workspace = try Workspace(path: try ClusterHarness.fixtureWorkspace())
        let matrix = try FeatureStore(workspace: workspace).load()
        let a = try Self.cluster(matrix, k: 4, seed: 1), b = try Self.cluster(matrix, k: 4, seed: 2)
        let evaluation = try ClusterEvaluation.evaluate([(1, a), (2, b), (1, a)], matrix: matrix, later: (a, matrix))
        let run = evaluation.runs[0]
        // Variance explained: 1 − inertia over the total sum of squares of the transformed, standardized features.
        let monetary = try #require(a.featureNames.firstIndex(of: "monetary"))
        #expect(a.transforms.count == a.dimension && a.transforms[monetary].log)
        var total = 0.0
        for (f, name) in a.featureNames.enumerated() {
            let column = try #require(matrix.column(named: name))
            let values = (0..<matrix.rowCount).map {
                (Double(a.transforms[f].apply(matrix.value(row: $0, column: column))) - Double(a.center[f])) / Double(a.scale[f] == 0 ? 1 : a.scale[f])
            }
            let mean = values.reduce(0, +) / Double(values.count)
            total += values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        }
        let explained = try #require(run.varianceExplained)
        #expect(abs(explained - (1 - a.inertia / total)) < 1e-6 && explained > 0.1 && explained < 1, "\(explained)")
        #expect(run.smallestShare == Double(a.counts.min() ?? 0) / Double(matrix.rowCount) && run.k == 4 && run.inertia == a.inertia)
        #expect(run.silhouette > 0 && run.silhouette < 1 && evaluation.sample == min(2_000, matrix.rowCount))
        #expect(evaluation.runs[2] == run, "the same seed measures the same")
        // Stability: the mean of the pairwise indices; a run against itself counts 1.
        let ab = AdjustedRandIndex.of(a.labels.map(Int.init), b.labels.map(Int.init))
        #expect(abs(evaluation.stability - (ab + 1 + ab) / 3) < 1e-12 && ab > 0.5, "\(ab)")
        #expect(evaluation.overTime == 1 && evaluation.peopleOverTime == matrix.rowCount, "the same people and clusters at both dates")
        #expect(evaluation.text(dates: ("2026-03-31", "2026-04-30")).contains("stability across the 3 seeds"))
    }
}
