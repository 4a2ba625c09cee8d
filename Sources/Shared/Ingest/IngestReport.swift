/// What one file's ingest did: rows read, accepted and rejected (they always add up), and samples of why.
public struct IngestReport: Sendable {
    /// One rejected row: where it was and why.
    public struct Rejection: Sendable, Equatable {
        public let line: Int
        public let column: String?
        public let reason: String
    }

    public let file: String
    public let kind: IngestKind
    /// Data rows read (the header and blank lines are not rows).
    public let rowsRead: Int
    public let accepted: Int
    public let rejected: Int
    /// True when this file (same content, same options) had been ingested before and nothing was done now.
    public let alreadyIngested: Bool
    /// The first rejections, in line order (all of them are in the workspace's quarantine).
    public let rejectionSamples: [Rejection]
    /// Header columns nothing reads.
    public let ignoredColumns: [String]
    /// Accepted rows' optional fields left out because they did not parse (all in `field_warning`).
    public var warnings = 0
    /// The first of them, in line order.
    public var warningSamples: [Warning] = []

    /// One optional field left out of an accepted row.
    public struct Warning: Sendable, Equatable {
        public let line: Int
        public let column: String
        public let reason: String
        public let value: String
    }
    /// The id of the file's row in `ingest_file`.
    public let fileID: Int64
}
