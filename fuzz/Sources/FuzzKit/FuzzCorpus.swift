import FeatureStore
import Features
import Foundation
import Identity
import Ingest
import JobKinds
import JobRuntime
import Matching
import MatchingWorkspace
import OmnisegCore
import QueueProtocol
import Synthetic
import Workspace
import WorkspaceJobs

/// The fuzz targets with their seeds: every kind is run in process on a small generated retailer,
/// and each iteration's state, each partial, each shard's job data and the result become the valid
/// inputs of that kind's targets; the wire messages are made from the same runs.
public enum FuzzCorpus {
    /// The kinds run, with parameters that keep them small and exercise every phase.
    static let runs: [(name: String, kind: String, parameters: [String: String], training: Bool)] = [
        ("profile", "profile", ["bins": "8"], false),
        ("probe", "probe", ["iterations": "2"], false),
        ("cluster", "cluster", ["k": "3", "max-iter": "4", "seed": "1"], false),
        ("cluster-auto", "cluster", ["k": "auto", "k-range": "2...3", "max-iter": "3", "pca": "2", "seed": "1"], false),
        ("churn-train", "churn-train", ["trees": "4", "depth": "4", "seed": "1"], true),
        ("churn-score", "churn-score", [:], false),
        ("churn-evaluate", "churn-evaluate", [:], true),
        ("recommend", "recommend", ["pairs_per_bucket": "20000", "n": "3"], false),
        ("recommend-eval", "recommend", ["pairs_per_bucket": "50000", "holdout_days": "30", "n": "3", "repeats": "1"], true),
        ("segment", "segment", ["rule": "frequency >= 2 AND channel = omnichannel"], false),
        ("overlap", "overlap", ["rule_1": "channel = store_only", "rule_2": "rfm = champions", "rule_3": "viewed(within = 30d)",
                                "members": "1"], false),
    ]

    /// Builds the retailer in `directory` and returns every target.
    public static func targets(in directory: String) throws(OmnisegError) -> [FuzzTarget] {
        let workspace = try makeWorkspace(in: directory)
        let store = FeatureStore(workspace: workspace)
        let training = try store.load(setID: 1)
        let today = try store.load(setID: 2)
        var targets: [FuzzTarget] = []
        var specs: [[UInt8]] = [], plans: [[UInt8]] = [], envelopes: [[UInt8]] = []
        for run in runs {
            let matrix = run.training ? training : today
            var parameters = JobParameters(run.parameters)
            parameters[CommonParameters.featureSet.name] = "\(matrix.setID)"
            let kind = try JobKindRegistry.make(run.kind, columnNames: matrix.names, parameters: parameters)
            let preparation = try WorkspaceJobs.prepare(kind, in: workspace, matrix: matrix)
            let transport = CapturingTransport(InProcessTransport(kind: kind, shards: matrix.shards, taskData: preparation.taskData, threads: 2))
            let result = try JobDriver(jobID: run.name, kind: kind, shardCount: matrix.shards.count)
                .run(transport: transport, checkpoints: MemoryCheckpoints(), firstState: { preparation.state })
            try WorkspaceJobs.store(kind, result: result, jobID: run.name, matrix: matrix, in: workspace)
            targets += kindTargets(run.name, kind: kind, matrix: matrix, data: preparation.taskData, iterations: transport.iterations,
                                   result: try kind.resultBody(result))
            specs.append(JobSpec(id: run.name, kind: run.kind, workspaceID: try workspace.id, parameters: parameters, submittedAt: 1_790_000_000).encoded)
            let tasks = matrix.shards.enumerated().map { i, shard in
                TaskInputDescriptor(index: i, features: .init(shard: shard, blob: BlobReference(digest: UInt64(i) &* 0x9E37, byteCount: shard.bytes.count, chunkBytes: 1 << 20)),
                                    data: preparation.taskData.map { BlobReference(digest: UInt64(i), byteCount: $0[i].count, chunkBytes: 1 << 20) })
            }
            plans.append(try JobPlan(input: .featureShards, featureSetID: matrix.setID, columnNames: matrix.names, tasks: tasks).encoded)
            envelopes += tasks.prefix(2).compactMap { task in
                task.features.map { TaskEnvelope(jobID: run.name, kind: run.kind, iteration: 1, attempt: 2, task: task, state: $0.blob, context: 0x5eed).encoded }
            }
            // One with its iteration state inline, as the coordinator sends a small state.
            if let first = transport.iterations.first, let task = tasks.first {
                let state = kind.firstState(first.state)
                let reference = state.withUnsafeBytes { BlobStore.reference(for: $0) }
                envelopes.append(TaskEnvelope(jobID: run.name, kind: run.kind, iteration: 0, attempt: 1, task: task, state: reference, context: 0x5eed,
                                              inlineState: state).encoded)
            }
        }
        targets.append(FuzzTarget(name: "wire.job-spec", seeds: specs) { bytes, _ in _ = try? JobSpec(decoding: bytes) })
        targets.append(FuzzTarget(name: "wire.job-plan", seeds: plans) { bytes, _ in _ = try? JobPlan(decoding: bytes) })
        targets.append(FuzzTarget(name: "wire.task-envelope", seeds: envelopes) { bytes, _ in _ = try? TaskEnvelope(decoding: bytes) })
        targets.append(FuzzTarget(name: "wire.frame", seeds: specs + plans + envelopes) { bytes, _ in
            for type in WireFrame.MessageType.allCases { _ = try? WireFrame.decode(bytes, expecting: type) }
        })
        targets += try tableTargets(workspace)
        targets += try matchTargets(workspace)
        targets.append(FuzzTarget(name: "features.person-ids", seeds: [today.people.encodedIDs]) { bytes, _ in
            _ = try? PersonRows(encodedIDs: bytes, count: today.rowCount, generation: today.people.generation)
        })
        // The match model a probabilistic resolve stores (and `match explain` reads back).
        let fields = ProbabilisticLinker.fields
        var model = MatchModel(fields: fields, u: fields.map { f in (0..<f.levels).map { 1 / Double(f.levels + $0) } })
        model.lambda = 0.02
        // And one with a name-frequency table (classed names and agreement chances).
        let named = (0..<40).map { MatchRecord(firstName: "name\($0 % 3)", lastName: $0 < 30 ? "smith" : "rare\($0)") }
        let withFrequencies = MatchModel(fields: fields, u: model.u, lambda: 0.02,
                                         frequencies: TermFrequencies(records: named, people: Array(named.indices)))
        targets.append(FuzzTarget(name: "identity.match-model", seeds: [model.encoded, withFrequencies.encoded]) { bytes, _ in
            guard let decoded = try? MatchModel(decoding: bytes) else { return }
            _ = decoded.probability(ComparisonPattern(levels: decoded.fields.map { _ in 0 }))
        })
        let shard = today.shards[0]
        targets.append(FuzzTarget(name: "features.shard", seeds: [Array(shard.bytes)]) { bytes, _ in
            bytes.withUnsafeBytes { raw in
                _ = try? FeatureShard.decode(rowStart: shard.rowStart, rowCount: shard.rowCount, columnCount: shard.columnCount,
                                             columnStride: shard.columnStride, data: raw)
            }
        })
        return targets
    }

    /// A kind's targets: its states (decoded by tasks and by the merge), its partials (by the merge),
    /// its shards' job data (by tasks) and its result (by rendering).
    static func kindTargets(_ name: String, kind: any JobKind, matrix: FeatureMatrix, data: [[UInt8]]?,
                            iterations: [CapturingTransport.Iteration], result: [UInt8]) -> [FuzzTarget] {
        // The first iterations and the last cover every phase; a long Lloyd run repeats itself.
        let kept = iterations.count <= 4 ? iterations : Array(iterations.prefix(3)) + [iterations[iterations.count - 1]]
        let shard = matrix.shards[0]
        let taskData = data?[0] ?? []
        var targets = [
            FuzzTarget(name: "\(name).state", seeds: kept.map(\.state)) { bytes, seed in
                let it = kept[seed]
                _ = try? kind.execute(shard: shard, data: taskData, iteration: it.iteration, state: bytes, cancellation: .never)
                _ = try? kind.merge(iteration: it.iteration, state: bytes, partials: it.partials)
            },
            FuzzTarget(name: "\(name).partial", seeds: kept.map { $0.partials[0] }) { bytes, seed in
                let it = kept[seed]
                var partials = it.partials
                partials[0] = bytes
                _ = try? kind.merge(iteration: it.iteration, state: it.state, partials: partials)
            },
            FuzzTarget(name: "\(name).result", seeds: [result]) { bytes, _ in
                _ = try? kind.render(result: bytes, json: false)
                _ = try? kind.render(result: bytes, json: true)
                _ = try? kind.csv(result: bytes, people: matrix.people)
            },
        ]
        if data != nil {
            targets.append(FuzzTarget(name: "\(name).shard-data", seeds: [taskData]) { bytes, _ in
                for it in kept { _ = try? kind.execute(shard: shard, data: bytes, iteration: it.iteration, state: it.state, cancellation: .never) }
            })
        }
        return targets
    }

    /// The table-profile kind's inputs (table partitions, decoded by tasks), partials and result.
    static func tableTargets(_ workspace: Workspace) throws(OmnisegError) -> [FuzzTarget] {
        let kind = try JobKindRegistry.make("table-profile", columnNames: [], parameters: JobParameters(["key": "customer_id", "partitions": "3"]))
        let prepared = try WorkspaceJobs.prepare(kind, in: workspace, matrix: nil)
        let partitions = prepared.tasks.compactMap(\.data)
        var computed: [[UInt8]] = []
        for input in try prepared.taskInputs() { computed.append(try kind.execute(input: input, iteration: 0, state: [], cancellation: .never)) }
        let partials = computed
        guard case .finish(let result) = try kind.merge(iteration: 0, state: [], partials: partials) else {
            throw OmnisegError(.corrupt, "table-profile did not finish in one iteration")
        }
        return [
            FuzzTarget(name: "table.partition", seeds: partitions) { bytes, seed in
                if let input = try? TaskInput(index: seed, shard: nil, data: bytes, as: .tablePartitions) {
                    _ = try? kind.execute(input: input, iteration: 0, state: [], cancellation: .never)
                }
            },
            FuzzTarget(name: "table-profile.partial", seeds: [partials[0]]) { bytes, _ in
                var damaged = partials
                damaged[0] = bytes
                _ = try? kind.merge(iteration: 0, state: [], partials: damaged)
            },
            FuzzTarget(name: "table-profile.result", seeds: [result]) { bytes, _ in
                _ = try? kind.render(result: bytes, json: false)
                _ = try? kind.render(result: bytes, json: true)
            },
        ]
    }

    /// The match kind's record blocks (decoded by tasks), states, partials and result.
    static func matchTargets(_ workspace: Workspace) throws(OmnisegError) -> [FuzzTarget] {
        let kind = try JobKindRegistry.make("match", columnNames: [], parameters: JobParameters(["record-blocks": "3"]))
        let prepared = try WorkspaceJobs.prepare(kind, in: workspace, matrix: nil)
        let blobs = prepared.tasks.compactMap(\.data)
        let transport = CapturingTransport(InProcessTransport(kind: kind, inputs: try prepared.taskInputs(), threads: 2))
        let result = try JobDriver(jobID: "match", kind: kind, shardCount: blobs.count)
            .run(transport: transport, checkpoints: MemoryCheckpoints(), firstState: { prepared.state })
        let iterations = transport.iterations
        return [
            FuzzTarget(name: "match.blocks", seeds: blobs) { bytes, _ in
                guard let input = try? TaskInput(index: 0, shard: nil, data: bytes, as: .blobs) else { return }
                for it in iterations { _ = try? kind.execute(input: input, iteration: it.iteration, state: it.state, cancellation: .never) }
            },
            FuzzTarget(name: "match.state", seeds: iterations.map(\.state)) { bytes, seed in
                let it = iterations[seed]
                if let input = try? TaskInput(index: 0, shard: nil, data: blobs[0], as: .blobs) {
                    _ = try? kind.execute(input: input, iteration: it.iteration, state: bytes, cancellation: .never)
                }
                _ = try? kind.merge(iteration: it.iteration, state: bytes, partials: it.partials)
            },
            FuzzTarget(name: "match.partial", seeds: iterations.map { $0.partials[0] }) { bytes, seed in
                var partials = iterations[seed].partials
                partials[0] = bytes
                _ = try? kind.merge(iteration: iterations[seed].iteration, state: iterations[seed].state, partials: partials)
            },
            FuzzTarget(name: "match.result", seeds: [try kind.resultBody(result)]) { bytes, _ in
                _ = try? kind.render(result: bytes, json: false)
                _ = try? kind.render(result: bytes, json: true)
            },
        ]
    }

    /// 600 generated people with two feature sets: as of 2026-03-31 (churn training, evaluations with
    /// a holdout window) and as of the end of the data, in 128-row shards.
    static func makeWorkspace(in directory: String) throws(OmnisegError) -> Workspace {
        let workspace = try GeneratedWorkspace.make(in: directory, options: GeneratorOptions(people: 600, seed: 11))
        let store = FeatureStore(workspace: workspace)
        let split = (TimestampParser.unixSeconds(year: 2026, month: 3, day: 31) ?? 0) + 86_399
        _ = try store.save(FeatureBuilder(options: FeatureOptions(asOf: split, shardRows: 128)).build(workspace))
        _ = try store.save(FeatureBuilder(options: FeatureOptions(shardRows: 128)).build(workspace))
        return workspace
    }
}
