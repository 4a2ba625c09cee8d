import Features
import Forest
import JobRuntime
import OmnisegCore
import Synchronization

/// What scoring tasks need: the model, where each of its features is in the feature set, and for
/// evaluation the label of every row (255: not labelled).
package struct ChurnScoringState {
    var modelID: Int64
    var tiers: RiskTiers
    var columns: [Int]
    var labelling: ChurnLabelling
    var labels: [UInt8]
    var model: ChurnModel
    /// For an evaluation: the model's baselines on the same labelled people (measured where the workspace is).
    var baselines: ChurnBaselines?

    package var encoded: [UInt8] {
        var w = WireWriter()
        w.i64(modelID)
        tiers.encode(into: &w)
        w.count(columns.count)
        for c in columns { w.u32(UInt32(c)) }
        labelling.encode(into: &w)
        w.blob(labels)
        w.blob(model.encoded)
        w.optional(baselines) { $0.encode(into: &$1) }
        return w.bytes
    }

    package init(modelID: Int64, tiers: RiskTiers, columns: [Int], labelling: ChurnLabelling, labels: [UInt8], model: ChurnModel,
                 baselines: ChurnBaselines? = nil) {
        self.modelID = modelID
        self.tiers = tiers
        self.columns = columns
        self.labelling = labelling
        self.labels = labels
        self.model = model
        self.baselines = baselines
    }

    init(decoding bytes: [UInt8]) throws(OmnisegError) {
        var r = WireReader(bytes, what: "churn scoring state")
        modelID = try r.i64()
        tiers = try RiskTiers.decode(from: &r)
        columns = []
        for _ in 0..<(try r.count(limit: 1 << 16)) { columns.append(Int(try r.u32())) }
        labelling = try ChurnLabelling.decode(from: &r)
        labels = try r.blob(limit: Int(UInt32.max))
        model = try ChurnModel(decoding: try r.blob(limit: Int(UInt32.max)))
        baselines = try r.optional { (r: inout WireReader) throws(OmnisegError) in try ChurnBaselines.decode(from: &r) }
        try r.expectEnd()
    }
}


/// Scores shards with a model: bins the shard's rows with the model's edges, then the batch
/// traversal kernel. The decoded model and compiled forest are kept for the next task of the same state.
enum ChurnShardScorer {
    private static let cache = Mutex<(key: UInt64, state: ChurnScoringState, forest: CompiledForest)?>(nil)

    static func prepared(_ state: [UInt8]) throws(OmnisegError) -> (ChurnScoringState, CompiledForest) {
        let key = state.withUnsafeBytes { Checksum64.of($0) }
        if let hit = cache.withLock({ $0 }), hit.key == key { return (hit.state, hit.forest) }
        let decoded = try ChurnScoringState(decoding: state)
        let forest = CompiledForest(decoded.model.forest)
        cache.withLock { $0 = (key, decoded, forest) }
        return (decoded, forest)
    }

    static func score(_ shard: FeatureShard, state: [UInt8]) throws(OmnisegError) -> [Float] {
        let (decoded, forest) = try prepared(state)
        guard let last = decoded.columns.max(), last < shard.columnCount else {
            throw OmnisegError(.badInput, "shard has \(shard.columnCount) columns; the model reads column \(decoded.columns.max() ?? 0)")
        }
        let rows = BinnedRows(rowCount: shard.rowCount, bins: decoded.model.bins) { shard.column(decoded.columns[$0]) }
        return forest.predict(rows)
    }

    static func partial(_ shard: FeatureShard, iteration: Int, state: [UInt8]) throws(OmnisegError) -> [UInt8] {
        let scores = try score(shard, state: state)
        var w = WireWriter(capacity: 8 + 4 * scores.count)
        w.u32(UInt32(iteration))
        w.count(scores.count)
        w.f32s(scores)
        return w.bytes
    }

    /// The partials' scores in row order.
    static func concatenate(_ partials: [[UInt8]], iteration: Int) throws(OmnisegError) -> [Float] {
        var all: [Float] = []
        for (shard, partial) in partials.enumerated() {
            var r = WireReader(partial, what: "churn scores of shard \(shard)")
            guard try r.u32() == UInt32(iteration) else { throw r.failure("it is for another iteration") }
            all += try r.f32s(try r.count(limit: 1 << 24))
            try r.expectEnd()
        }
        return all
    }
}
