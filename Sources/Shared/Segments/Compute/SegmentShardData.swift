import OmnisegCore
import Recommend

/// What a `segment` task reads beside a feature shard: each person's interactions with products
/// (purchases, views, cart-adds, with days), and where stored, each person's cluster (−1: none) and
/// churn probability (NaN: none) with its tier (255: none), and their gender code (index into
/// ``SegmentVocabulary/genders``; 255: unknown).
public struct SegmentShardData: Sendable, Equatable {
    public var interactions: InteractionShard
    public var clusters: [Int32]
    public var churnRisk: [Float]
    public var churnTier: [UInt8]
    public var gender: [UInt8]

    public init(interactions: InteractionShard, clusters: [Int32]?, churnRisk: [Float]?, churnTier: [UInt8]?, gender: [UInt8]? = nil) {
        let n = interactions.rowCount
        self.interactions = interactions
        self.gender = gender ?? [UInt8](repeating: 255, count: n)
        self.clusters = clusters ?? [Int32](repeating: -1, count: n)
        self.churnRisk = churnRisk ?? [Float](repeating: .nan, count: n)
        self.churnTier = churnTier ?? [UInt8](repeating: 255, count: n)
    }

    static let magic: [UInt8] = Array("OMSEGD".utf8)
    static let version: UInt16 = 1

    public var encoded: [UInt8] {
        var writer = WireWriter(capacity: 64 + clusters.count * 9)
        writer.raw(Self.magic)
        writer.u16(Self.version)
        writer.blob(interactions.encoded)
        writer.count(clusters.count)
        writer.integers(clusters)
        writer.integers(churnRisk.map(\.bitPattern))
        writer.integers(churnTier)
        writer.integers(gender)
        return writer.bytes
    }

    /// Decodes shard data whose interactions name items below `itemCount`.
    public init(decoding bytes: [UInt8], itemCount: Int) throws(OmnisegError) {
        var reader = WireReader(bytes, what: "segment shard data")
        guard try reader.bytes(Self.magic.count) == Self.magic, try reader.u16() == Self.version else {
            throw reader.failure("not segment shard data of this version")
        }
        interactions = try InteractionShard(decoding: try reader.blob(limit: 1 << 31 - 1), itemCount: itemCount)
        let n = try reader.count(limit: 1 << 26)
        guard n == interactions.rowCount else { throw reader.failure("\(n) people beside interactions of \(interactions.rowCount)") }
        clusters = try reader.integers(n, of: Int32.self)
        churnRisk = try reader.f32s(n)
        churnTier = try reader.integers(n, of: UInt8.self)
        gender = try reader.integers(n, of: UInt8.self)
        try reader.expectEnd()
    }
}
