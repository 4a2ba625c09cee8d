import Churn
import Clustering
import Features
import OmnisegCore
import Recommend
import RecommendWorkspace
import Segments
import Synchronization
import Workspace

/// What the segment job reads from the workspace for a feature set: each person's product-level
/// interactions, cluster, churn risk and gender, the vocabulary rules are checked against, and the RFM
/// cut-points. Reading the interactions is most of a segment job's time on a large workspace (about
/// 25 s for 1M people), and `omniseg report` runs three jobs: the last inputs read are kept in the
/// process, keyed by the workspace's state, and reused while it has not changed.
struct SegmentInputs: Sendable {
    var vocabulary: SegmentVocabulary
    var rfm: RFMScheme
    var data: [SegmentShardData]

    private static let last = Mutex<(key: String, inputs: SegmentInputs)?>(nil)

    static func load(_ workspace: Workspace, matrix: FeatureMatrix) throws(OmnisegError) -> SegmentInputs {
        let key = try version(workspace, matrix: matrix)
        if let hit = last.withLock({ $0?.key == key ? $0?.inputs : nil }) { return hit }
        last.withLock { $0 = nil }
        let inputs = try read(workspace, matrix: matrix)
        last.withLock { $0 = (key, inputs) }
        return inputs
    }

    /// The workspace, the feature set, the newest row of every table the inputs come from (records,
    /// links, transactions, events), the newest cluster and churn-score results, and SQLite's
    /// `data_version` (which moves when another process commits to the file).
    private static func version(_ workspace: Workspace, matrix: FeatureMatrix) throws(OmnisegError) -> String {
        var parts = [workspace.path, "\(matrix.setID)", "\(matrix.asOf)", "\(matrix.rowCount)"]
        for table in ["customer_record", "person_link", "txn", "event"] {
            parts.append("\(try workspace.db.scalar("SELECT max(rowid) FROM \(table)")?.integer ?? 0)")
        }
        let results = "SELECT max(rowid) FROM job WHERE state = 'succeeded' AND kind IN ('\(ClusterJob.name)', '\(ChurnScoreJob.name)')"
        parts.append("\(try workspace.db.scalar(results)?.integer ?? 0)")
        parts.append("\(try workspace.db.scalar("PRAGMA data_version")?.integer ?? 0)")
        return parts.joined(separator: "|")
    }

    private static func read(_ workspace: Workspace, matrix: FeatureMatrix) throws(OmnisegError) -> SegmentInputs {
        // A workspace with a feature set but no resolved people (features made elsewhere) segments on features alone.
        let hasPeople = try workspace.db.scalar("SELECT EXISTS (SELECT 1 FROM person_link)")?.integer == 1
        let (catalog, interactions) = hasPeople ? try InteractionBuilder(level: .item).build(workspace, matrix: matrix)
            : (ItemCatalog(level: .item, names: [], departments: [], departmentNames: []),
               matrix.shards.map { InteractionShard(rowStart: $0.rowStart, offsets: [UInt32](repeating: 0, count: $0.rowCount + 1), items: [], actions: [], days: []) })
        let store = SegmentStore(workspace: workspace)
        let clusters = try store.clusters(featureSet: matrix.setID, people: matrix.people)
        let churn = try store.churn(featureSet: matrix.setID, people: matrix.people)
        let gender = try store.genders(people: matrix.people)
        // Each product's arrival day (for `arrived =`), by item id.
        var arrivals = [Int32](repeating: Int32.min, count: catalog.count)
        let products = try workspace.db.prepare("SELECT sku, arrival_ts FROM product WHERE arrival_ts IS NOT NULL")
        while try products.step() {
            guard let sku = products.string(at: 0), let id = catalog.id(of: sku) else { continue }
            arrivals[id] = Int32(clamping: CivilDate.day(unixSeconds: products.int64(at: 1)))
        }
        let vocabulary = SegmentVocabulary(columns: matrix.names, departments: catalog.departmentNames.map { $0.lowercased() },
                                           hasClusters: clusters != nil, churnTiers: churn?.names ?? [], genders: gender.names,
                                           itemDepartments: catalog.departments, itemArrivals: arrivals)
        func gather(_ name: String) -> [Float] {
            guard let c = matrix.names.firstIndex(of: name) else { return [] }
            return matrix.shards.flatMap { Array($0.column(c)) }
        }
        let frequency = gather("frequency")
        let recency = gather("recency_days"), monetary = gather("monetary")
        let rfm = recency.count == frequency.count && monetary.count == frequency.count
            ? RFMScheme(recencyDays: recency, frequency: frequency, monetary: monetary)
            : RFMScheme(recencyDays: [], frequency: [], monetary: [])
        let data = interactions.map { shard in
            let rows = shard.rowStart..<(shard.rowStart + shard.rowCount)
            return SegmentShardData(interactions: shard, clusters: clusters.map { Array($0[rows]) }, churnRisk: churn.map { Array($0.risk[rows]) },
                                    churnTier: churn.map { Array($0.tier[rows]) }, gender: Array(gender.codes[rows]))
        }
        return SegmentInputs(vocabulary: vocabulary, rfm: rfm, data: data)
    }
}
