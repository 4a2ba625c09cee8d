@testable import Identity
@testable import OmnisegCore
@testable import Synthetic
@testable import TestSupport
import Testing

@Suite struct SupportTests {
    @Test func everyUnixTimeHasADayAndADate() {
        #expect(CivilDate.day(unixSeconds: 0) == 0 && CivilDate.day(unixSeconds: -1) == -1 && CivilDate.day(unixSeconds: 86_399) == 0)
        #expect(CivilDate.day(unixSeconds: -86_400) == -1 && CivilDate.day(unixSeconds: -86_401) == -2)
        #expect(CivilDate.isoDate(unixSeconds: 1_790_000_000) == "2026-09-21")
        // A decoded timestamp may be any Int64 (the fuzzer found the overflow at the bottom end).
        for t in [Int64.min, Int64.min + 1, Int64.max, Int64.max - 86_399] {
            #expect(!CivilDate.isoDate(unixSeconds: t).isEmpty)
        }
    }

    @Test func phaseTimesKeepEveryPhaseInOrderAndSumARepeatedOne() throws {
        var phases = PhaseTimes()
        let value = phases.measure("spin") { (0..<200_000).reduce(0, &+) }
        #expect(value == 199_999 * 200_000 / 2, "the body's result comes back")
        #expect(throws: OmnisegError.self) {
            try phases.measure("fail") { () throws(OmnisegError) in throw OmnisegError(.badInput, "no") }
        }
        _ = phases.measure("spin") { 1 }
        #expect(phases.phases.map(\.name) == ["spin", "fail", "spin"], "a phase that threw is timed too")
        #expect(phases.phases.allSatisfy { $0.cpuSeconds >= 0 && $0.wallSeconds >= 0 })
        #expect(phases.cpuSeconds(of: "spin") == phases.phases[0].cpuSeconds + phases.phases[2].cpuSeconds && phases.cpuSeconds(of: "none") == nil)
        let line = try #require(phases.lines.first)
        #expect(line.wholeMatch(of: /phase spin: \d+\.\d{3} s wall, \d+\.\d{3} s CPU/) != nil, "\(line)")
    }

    @Test func checksumMatchesXXH64ReferenceVectors() {
        #expect("".withBytes { Checksum64.of($0) } == 0xEF46_DB37_51D8_E999)
        #expect("abc".withBytes { Checksum64.of($0) } == 0x44BC_2CF5_AD77_0999)
    }

    @Test func checksumIsTheSameWhateverTheSplit() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = bytes.withUnsafeBytes { Checksum64.of($0) }
        for split in [1, 7, 31, 32, 33, 500, 999] {
            var state = Checksum64()
            bytes.withUnsafeBytes { all in
                state.update(UnsafeRawBufferPointer(rebasing: all[0..<split]))
                state.update(UnsafeRawBufferPointer(rebasing: all[split...]))
            }
            #expect(state.digest == whole, "split at \(split)")
        }
    }

    @Test func byteKeyTableFindsWhatWasInsertedAcrossGrowth() {
        var table = ByteKeyTable(capacity: 4)
        for i in 0..<10_000 { table.insert("src\(i % 3)", "id\(i)", value: Int32(i)) }
        #expect(table.count == 10_000)
        #expect(table.find("src1", "id7") == 7)
        #expect(table.find("src2", "id7") == nil)
        #expect(table.insert("src0", "id9", value: 1).inserted == false)
        #expect(table.find("src0id9") == nil, "the two parts are kept apart")
    }

    @Test func unionFindJoinsTransitively() {
        var sets = UnionFind(count: 6)
        sets.union(0, 1)
        sets.union(2, 3)
        sets.union(1, 3)
        #expect(sets.find(0) == sets.find(2))
        #expect(sets.find(4) != sets.find(0))
        #expect(sets.setSize(3) == 4)
        #expect(sets.union(0, 2) == nil)
    }

    @Test func generatorIsDeterministicBySeed() throws {
        let a = TemporaryDirectory(), b = TemporaryDirectory(), c = TemporaryDirectory()
        let options = GeneratorOptions(people: 900, seed: 7)
        _ = try RetailerGenerator(options: options).write(to: a.path, threads: 2)
        _ = try RetailerGenerator(options: options).write(to: b.path, threads: 1)
        _ = try RetailerGenerator(options: GeneratorOptions(people: 900, seed: 8)).write(to: c.path, threads: 2)
        for file in GeneratedFile.allCases {
            let x = FileManager.default.contents(atPath: a.file(file.rawValue))
            #expect(x == FileManager.default.contents(atPath: b.file(file.rawValue)), "\(file.rawValue) differs between thread counts")
        }
        #expect(FileManager.default.contents(atPath: a.file("transactions.csv")) != FileManager.default.contents(atPath: c.file("transactions.csv")))

        // Customers only: the same records and truth, no orders or sessions (headers only).
        var only = options
        only.customersOnly = true
        let d = TemporaryDirectory()
        let summary = try RetailerGenerator(options: only).write(to: d.path, threads: 2)
        for file in ["customers.csv", "truth_records.csv"] {
            #expect(FileManager.default.contents(atPath: d.file(file)) == FileManager.default.contents(atPath: a.file(file)), "\(file)")
        }
        #expect(summary.transactionLines == 0 && summary.events == 0 && summary.customerRecords > 900)
        let header = try String(contentsOfFile: d.file("transactions.csv"), encoding: .utf8)
        #expect(header.split(separator: "\n").count == 1 && header.hasPrefix("source,customer_id"))
    }
}

import Foundation
