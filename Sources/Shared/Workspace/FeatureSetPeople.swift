import OmnisegCore

extension Workspace {
    /// The person of each row of feature set `id` and the identity generation it was built on: what
    /// every artefact built on the set (cluster labels, scores, suggestions, members) means by a row.
    /// A set built before generations were recorded has rows 0..<n as persons 1...n and generation 0.
    public func people(ofFeatureSet id: Int64) throws(OmnisegError) -> PersonRows {
        guard let set = try db.rows("SELECT row_count, identity_generation, person_ids FROM feature_set WHERE id = ?", [.integer(id)]).first else {
            throw OmnisegError(.notFound, "no feature set \(id)", context: [("workspace", path)])
        }
        let count = Int(set[0].integer ?? 0)
        guard let generation = set[1].integer, let bytes = set[2].blob else { return .dense(count: count) }
        do {
            return try PersonRows(encodedIDs: bytes, count: count, generation: generation)
        } catch {
            throw OmnisegError(.corrupt, "feature set \(id)'s person ids: \(error.message)", context: [("workspace", path)])
        }
    }
}
