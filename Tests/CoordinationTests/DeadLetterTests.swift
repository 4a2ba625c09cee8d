import Foundation
@testable import QueueProtocol
@testable import RedisClient
@testable import TestSupport
import Testing

/// The dead-letter stream is bounded in bytes, and an oversized message is kept as a prefix.
@Suite struct DeadLetterTests {
    /// Puts `message` on a scratch stream, reads it through the group, and fails it fatally.
    private func deadLetter(_ message: [UInt8], _ redis: RedisConnection, budget: Int) throws {
        let stream = "omniseg:test:dlq-source"
        _ = try redis.pipeline([RedisCommand("XGROUP", "CREATE", stream, QueueKeys.group, "0", "MKSTREAM")])
        try redis.run("XADD", stream, "*", "t", message)
        let read = try redis.run("XREADGROUP", "GROUP", QueueKeys.group, "test", "COUNT", 1, "STREAMS", stream, ">")
        let entry = try #require(read.streamEntries.first)
        let outcome = try redis.failTask(entry, envelope: nil, reason: String(repeating: "why ", count: 5000), fatal: true, worker: "test",
                                         retry: RetryPolicy(), deadLetterBudget: budget)
        #expect(outcome == 2)
    }

    @Test func anOversizedMessageIsKeptAsABoundedPrefix() throws {
        let h = try ClusterHarness()
        let redis = try h.connection()
        let garbage = (0..<(10 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try deadLetter(garbage, redis, budget: DeadLetterBounds.streamBytes)
        let letters = try JobQueueClient(connection: redis).deadLetters()
        #expect(letters.count == 1)
        let letter = try #require(letters.first)
        #expect(letter.envelopeBytes == 10 << 20 && letter.truncated)
        #expect(letter.envelope == Array(garbage.prefix(DeadLetterBounds.envelopeBytes)))
        #expect(letter.reason.utf8.count == DeadLetterBounds.reasonBytes)
        #expect(letter.size < DeadLetterBounds.envelopeBytes + DeadLetterBounds.reasonBytes + 1024)
        let shown = try h.omniseg(["dlq", "show", letter.entryID])
        #expect(shown.out.contains("10485760 bytes (kept the first 65536)"), "\(shown.out)")
        #expect(try h.omniseg(["dlq", "retry", letter.entryID]).status != 0, "a truncated letter cannot be retried")
    }

    @Test func theStreamIsCappedInBytesDroppingTheOldestLetters() throws {
        let h = try ClusterHarness()
        let redis = try h.connection()
        let budget = 1 << 20
        for i in 0..<40 {
            try deadLetter([UInt8(i)] + [UInt8](repeating: 7, count: 60_000), redis, budget: budget)
        }
        let letters = try JobQueueClient(connection: redis).deadLetters(limit: 1000)
        let bytes = letters.reduce(0) { $0 + $1.size }
        #expect(bytes <= budget && bytes > budget - 70_000, "the stream holds \(bytes) bytes in \(letters.count) letters")
        #expect(try redis.run("GET", QueueKeys.deadLetterBytes).text.flatMap(Int.init) == bytes, "the byte count matches the letters")
        #expect(letters.last?.envelope.first == 39 && (letters.first?.envelope.first ?? 0) > 0, "the newest are kept, the oldest dropped")
        // Purging one letter, then all, keeps the count true.
        let first = try #require(letters.first)
        #expect(try JobQueueClient(connection: redis).purge(first.entryID) == 1)
        #expect(try redis.run("GET", QueueKeys.deadLetterBytes).text.flatMap(Int.init) == bytes - first.size)
        _ = try JobQueueClient(connection: redis).purge()
        #expect(try redis.run("EXISTS", QueueKeys.deadLetterBytes).integer == 0)
    }
}
