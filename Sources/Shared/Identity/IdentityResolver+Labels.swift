import OmnisegCore
import Workspace

extension IdentityResolver {
    /// People's labels on record pairs, as pairs of indices into `records` (labels naming a record
    /// no longer in the workspace are left out).
    struct Labels {
        var same: [(Int, Int)] = []
        var different: [(Int, Int)] = []
        /// Every labelled pair, either way, packed (smaller index << 32 | larger).
        var pairs: Set<UInt64> = []

        static func pack(_ a: Int, _ b: Int) -> UInt64 { UInt64(min(a, b)) << 32 | UInt64(max(a, b)) }
    }

    static func labels(of records: [Record], in workspace: Workspace) throws(OmnisegError) -> Labels {
        let stored = try MatchStore(workspace: workspace).labels()
        var labels = Labels()
        guard !stored.isEmpty else { return labels }
        var wanted: [RecordKey: Int] = [:]
        for (a, b, _) in stored {
            wanted[a] = -1
            wanted[b] = -1
        }
        for (i, r) in records.enumerated() where wanted[r.key] != nil { wanted[r.key] = i }
        for (a, b, same) in stored {
            guard let i = wanted[a], let j = wanted[b], i >= 0, j >= 0 else { continue }
            if same { labels.same.append((i, j)) } else { labels.different.append((i, j)) }
            labels.pairs.insert(Labels.pack(i, j))
        }
        return labels
    }
}
