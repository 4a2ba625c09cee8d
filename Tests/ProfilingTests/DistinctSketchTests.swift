@testable import OmnisegCore
@testable import Profiling
import Testing

@Suite struct DistinctSketchTests {
    @Test func countsExactlyBelowItsCapacityAndWithinAFewPercentAbove() {
        var small = DistinctSketch()
        for i in 0..<700 { small.add(Int64(i % 350)) }
        #expect(small.isExact && small.estimate == 350)
        for n in [5_000, 60_000] {
            var sketch = DistinctSketch()
            for i in 0..<(2 * n) { sketch.add("customer-\(i % n)") }
            #expect(!sketch.isExact)
            #expect(abs(sketch.estimate - Double(n)) < 0.08 * Double(n), "\(sketch.estimate) for \(n)")
        }
    }

    @Test func mergingIsIndependentOfHowTheValuesWereSplit() throws {
        var whole = DistinctSketch()
        for i in 0..<20_000 { whole.add(Int64(i)) }
        whole.compact()
        var parts = [DistinctSketch](repeating: DistinctSketch(), count: 3)
        for i in 0..<20_000 { parts[(i * 7) % 3].add(Int64(i)) }
        var merged = DistinctSketch()
        for p in parts.reversed() { merged.merge(p) }
        #expect(merged.hashes == whole.hashes)
        var writer = WireWriter()
        merged.encode(into: &writer)
        var reader = WireReader(writer.bytes, what: "sketch")
        #expect(try DistinctSketch.decode(from: &reader) == merged)
    }

    @Test func aSketchWithHashesOutOfOrderIsRefused() {
        var writer = WireWriter()
        writer.count(16)
        writer.count(2)
        writer.integers([UInt64(9), UInt64(3)])
        var reader = WireReader(writer.bytes, what: "sketch")
        #expect(throws: OmnisegError.self) { try DistinctSketch.decode(from: &reader) }
    }
}
