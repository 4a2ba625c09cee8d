/// Gives the people a resolve found their stable ids, from the ids their records had before.
///
/// Each earlier person's *home* is the new person holding most of its records (ties: the one whose
/// first record comes first). A new person is known by the oldest (smallest) id whose home it is; the
/// other ids at home there are merged into it. A new person that is nobody's home gets the next
/// unused id. Records of an earlier person that are not at its home have split from it.
/// Pure and deterministic: the same clusters and earlier ids give the same ids and changes.
public enum PersonIDAssigner {
    /// What the ids of one resolve are.
    public struct Assignment: Sendable, Equatable {
        /// The id of each cluster, in the order of the clusters given.
        public var ids: [Int64]
        /// Merges and splits, by cluster, merges before splits, then by id.
        public var changes: [IdentityChange]
        /// Clusters that got a new id.
        public var created: Int
    }

    /// - Parameters:
    ///   - clusters: each new person's record indices; clusters in order of their first record.
    ///   - previous: per record, the person id it had before (nil: a record not seen before).
    ///   - nextID: the lowest id never given out.
    public static func assign(clusters: [[Int]], previous: [Int64?], nextID: Int64) -> Assignment {
        // Per earlier id: its records per cluster, and its home.
        var counts: [Int64: [(cluster: Int, records: Int)]] = [:]
        for (c, members) in clusters.enumerated() {
            var here: [Int64: Int] = [:]
            for m in members { if let id = previous[m] { here[id, default: 0] += 1 } }
            for (id, n) in here { counts[id, default: []].append((c, n)) }
        }
        var home: [Int64: Int] = [:]
        var claimants = [[Int64]](repeating: [], count: clusters.count)
        for (id, parts) in counts {
            // Clusters were appended in ascending order, so the first maximum is the earliest cluster.
            var best = parts[0]
            for part in parts.dropFirst() where part.records > best.records { best = part }
            home[id] = best.cluster
            claimants[best.cluster].append(id)
        }
        var assignment = Assignment(ids: [], changes: [], created: 0)
        var next = nextID
        for c in clusters.indices {
            let claims = claimants[c].sorted()
            if let oldest = claims.first {
                assignment.ids.append(oldest)
            } else {
                assignment.ids.append(next)
                next += 1
                assignment.created += 1
            }
        }
        for (c, members) in clusters.enumerated() {
            let id = assignment.ids[c]
            var here: [Int64: Int] = [:]
            for m in members { if let old = previous[m] { here[old, default: 0] += 1 } }
            for other in claimants[c].sorted() where other != id {
                assignment.changes.append(IdentityChange(kind: .merge, person: id, other: other, records: here[other] ?? 0))
            }
            for (old, n) in here.sorted(by: { $0.key < $1.key }) where home[old] != c {
                assignment.changes.append(IdentityChange(kind: .split, person: old, other: id, records: n))
            }
        }
        return assignment
    }
}
