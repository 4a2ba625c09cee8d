@testable import Churn
@testable import Forest
import Foundation
import OmnisegCore
import QueueProtocol
import RedisClient
import Testing
@testable import TestSupport

/// Iteration states travel as chunked, content-addressed blobs, not as one Redis string.
@Suite struct StateBlobTests {
    /// A churn-train state of 50M labelled people (synthetic rows: 5 binned features each) is larger
    /// than a Redis string may be (256 MiB was the limit that capped churn at about 7.5M people); it
    /// goes into Redis and comes back bit-identical, and decodes to the same people.
    @Test func aFiftyMillionLabelChurnStateRoundTripsThroughRedis() throws {
        let h = try ClusterHarness()
        let people = 50_000_000, features = 5
        // Synthetic rows: a block of pseudo-random bins and labels repeated (the test is about size).
        let block = 1 << 20
        let valueBlock = (0..<block).map { UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761) >> 7) & 63 }
        let labelBlock = (0..<block).map { UInt8($0 % 7 == 0 ? 1 : 0) }
        var values: [UInt8] = [], labels: [UInt8] = []
        values.reserveCapacity(people * features)
        labels.reserveCapacity(people)
        while values.count < people * features { values.append(contentsOf: valueBlock.prefix(people * features - values.count)) }
        while labels.count < people { labels.append(contentsOf: labelBlock.prefix(people - labels.count)) }
        let bins = (0..<features).map { f in FeatureBins(edges: (1..<64).map { Float($0 + f) }) }
        let state = ChurnTrainState(
            options: ForestOptions(), labelling: ChurnLabelling(cutoff: 1_780_000_000, horizonDays: 90, channels: [], labelSetID: 0),
            featureSetID: 3, featureNames: (0..<features).map { "f\($0)" }, bins: bins, slices: [0, 25_000_000],
            train: BinnedRows(rowCount: people, binCounts: bins.map(\.binCount), values: values), trainLabels: labels,
            holdout: BinnedRows(rowCount: 0, binCounts: bins.map(\.binCount)), holdoutLabels: [])
        let bytes = state.encoded
        #expect(bytes.count > 256 << 20, "the state (\(bytes.count) bytes) must exceed what one Redis string held")

        let store = BlobStore(connection: try h.connection())
        let (reference, uploaded) = try store.put(bytes, expireSeconds: 600)
        #expect(uploaded)
        #expect(reference.chunkCount == (bytes.count + BlobStore.defaultChunkBytes - 1) / BlobStore.defaultChunkBytes)
        let ttl = try h.connection().run("TTL", reference.key).integer ?? -1
        #expect(ttl > 0 && ttl <= 600, "a state blob expires with its job (TTL \(ttl))")
        let back = try store.get(reference)
        #expect(Self.same(back, bytes))
        let decoded = try ChurnTrainState(decoding: back)
        #expect(decoded.train.rowCount == people)
        #expect(Self.same(decoded.trainLabels, labels))
        #expect(Self.same(Array(decoded.train.values.prefix(people * features)), values))
        // The same bytes again are not uploaded twice; a blob with one bit changed is a different one.
        #expect(try store.put(bytes).uploaded == false)
        var changed = bytes
        changed[changed.count / 2] ^= 1
        #expect(changed.withUnsafeBytes { BlobStore.reference(for: $0) } != reference)
    }

    /// Byte-equality with memcmp (an element loop over 300 MB is slow in a debug build).
    private static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count && (a.isEmpty || a.withUnsafeBytes { x in b.withUnsafeBytes { y in memcmp(x.baseAddress!, y.baseAddress!, a.count) == 0 } })
    }
}
