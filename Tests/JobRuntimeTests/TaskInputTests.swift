@testable import JobRuntime
@testable import OmnisegCore
import Testing

@Suite struct TaskInputTests {
    private func partition(index: Int = 2) throws -> TablePartition {
        try TablePartition(table: "txn", index: index, columns: [
            .init(name: "sku", values: .text(["a", nil, "ccc"])),
            .init(name: "quantity", values: .integer([1, 2, nil])),
            .init(name: "share", values: .real([0.5, nil, -1])),
        ])
    }

    @Test func aPartitionRoundTripsAndRefusesEveryTruncation() throws {
        let p = try partition()
        let bytes = p.encoded
        #expect(try TablePartition(decoding: bytes) == p)
        for cut in 0..<bytes.count {
            #expect(throws: OmnisegError.self, "cut at \(cut)") { try TablePartition(decoding: Array(bytes[0..<cut])) }
        }
        #expect(throws: OmnisegError.self, "columns of different lengths") {
            try TablePartition(table: "t", index: 0, columns: [.init(name: "a", values: .integer([1])), .init(name: "b", values: .integer([]))])
        }
    }

    @Test func anotherCodecVersionIsRefusedNamingBothVersions() throws {
        let body = Array(try partition().encoded.dropFirst(TablePartition.codec.header.count))
        let newer = CodecTag("table.partition", version: 2).encode(body)
        #expect { try TablePartition(decoding: newer) } throws: { error in
            let m = (error as? OmnisegError)?.message ?? ""
            return m.contains("version 2") && m.contains("reads version 1") && m.contains("newer Omniseg")
        }
        let other = CodecTag("cluster.state", version: 1).encode(body)
        #expect { try TablePartition(decoding: other) } throws: { ($0 as? OmnisegError)?.message.contains("cluster.state v1, not table.partition v1") ?? false }
        #expect { try TablePartition(decoding: body) } throws: { ($0 as? OmnisegError)?.message.contains("no codec header") ?? false }
    }

    @Test func aTaskInputMustFitItsKind() throws {
        let p = try partition(index: 2)
        guard case .partition(let decoded) = try TaskInput(index: 2, shard: nil, data: p.encoded, as: .tablePartitions) else {
            Issue.record("a table task reads a partition")
            return
        }
        #expect(decoded == p)
        #expect(throws: OmnisegError.self, "the partition of another task") { try TaskInput(index: 3, shard: nil, data: p.encoded, as: .tablePartitions) }
        #expect(throws: OmnisegError.self, "a feature task without its shard") { try TaskInput(index: 0, shard: nil, data: [1], as: .featureShards) }
        #expect(throws: OmnisegError.self, "a blob task without its blob") { try TaskInput(index: 0, shard: nil, data: nil, as: .blobs) }
        guard case .blob(let index, let bytes) = try TaskInput(index: 4, shard: nil, data: [7, 8], as: .blobs) else {
            Issue.record("a blob task reads its blob")
            return
        }
        #expect(index == 4 && bytes == [7, 8])
    }

    @Test func rowsGoToPartitionsByDataAlone() throws {
        let byKey = try TablePartitioning(table: "txn", columns: ["customer_id", "sku"], key: "customer_id", partitions: 16)
        let ids = (0..<2000).map { Array("c\($0)".utf8) }
        let first = ids.map { byKey.partition(ofKey: $0) }
        #expect(ids.map { byKey.partition(ofKey: $0) } == first)
        #expect(Set(first).count == 16, "keys spread over every partition")
        let byRow = try TablePartitioning(table: "txn", partitions: 4)
        let runs = (0..<10).map { byRow.partition(ofRow: $0, rowCount: 10) }
        #expect(runs == [0, 0, 0, 1, 1, 2, 2, 2, 3, 3])
        #expect(throws: OmnisegError.self) { try TablePartitioning(table: "txn", partitions: 0) }
    }
}
