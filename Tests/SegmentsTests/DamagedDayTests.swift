@testable import Churn
@testable import OmnisegCore
import Recommend
@testable import Segments
import Testing

/// Days and options from a damaged state or shard: the fuzzer found Int32 day differences that
/// overflowed and forest options that asked for 2³² trees.
@Suite struct DamagedDayTests {
    @Test func aLifecycleStageOfExtremeDaysIsComputedWithoutOverflow() {
        let purchase = InteractionAction.storePurchase.rawValue
        let shard = InteractionShard(rowStart: 0, offsets: [0, 3], items: [0, 1, 2], actions: [purchase, purchase, purchase],
                                     days: [Int32.min, 0, Int32.max])
        for today in [Int32.min, 0, Int32.max] {
            let stage = SegmentProfile.stage(shard, row: 0, options: SegmentOptions(), asOfDay: today)
            #expect((1...5).contains(stage), "asOfDay \(today): stage \(stage)")
        }
        // A purchase 2³² days before today is churned (in Int32 the difference wrapped or trapped).
        let old = InteractionShard(rowStart: 0, offsets: [0, 1], items: [0], actions: [purchase], days: [Int32.min])
        #expect(SegmentProfile.stage(old, row: 0, options: SegmentOptions(), asOfDay: Int32.max) == 5)
    }

    @Test func forestOptionsOutsideTheParametersBoundsAreRefused() throws {
        func options(trees: UInt32, depth: UInt32, bootstrap: UInt8 = 1, weight: Double = 0) -> [UInt8] {
            var w = WireWriter(capacity: 64)
            w.u32(trees)
            w.u32(depth)
            w.f64(1)
            w.u32(0)
            w.f64(weight)
            w.u8(bootstrap)
            w.u64(7)
            return w.bytes
        }
        var good = WireReader(options(trees: 100, depth: 12), what: "options")
        #expect(try ChurnModel.decodeOptions(from: &good).trees == 100)
        for (bytes, why) in [(options(trees: .max, depth: 12), "trees"), (options(trees: 100, depth: .max), "depth"),
                             (options(trees: 100, depth: 12, bootstrap: 7), "bootstrap"), (options(trees: 100, depth: 12, weight: .nan), "class weight")] {
            var reader = WireReader(bytes, what: "options")
            #expect(throws: OmnisegError.self, "\(why)") { try ChurnModel.decodeOptions(from: &reader) }
        }
    }
}
