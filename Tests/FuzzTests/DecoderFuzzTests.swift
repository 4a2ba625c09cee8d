import Foundation
@testable import FuzzKit
@testable import TestSupport
import Testing

/// A short seeded fuzz run of every decoder (the full run, a million cases per target, is `make fuzz`).
@Suite struct DecoderFuzzTests {
    static let targets: [FuzzTarget] = {
        let dir = TemporaryDirectory()
        return (try? FuzzCorpus.targets(in: dir.file("fuzz"))) ?? []
    }()

    @Test func everyKindHasStatePartialAndResultTargets() {
        let names = Set(Self.targets.map(\.name))
        for kind in ["profile", "probe", "cluster", "cluster-auto", "churn-train", "churn-score", "churn-evaluate", "recommend", "segment", "overlap"] {
            for part in ["state", "partial", "result"] { #expect(names.contains("\(kind).\(part)"), "\(kind).\(part)") }
        }
        #expect(names.isSuperset(of: ["recommend.shard-data", "segment.shard-data", "wire.task-envelope", "wire.job-spec", "wire.job-plan",
                                      "wire.frame", "features.shard"]))
    }

    @Test func theSeedsAreValidAndTheirMutationsAreRefusedWithoutACrash() {
        // 100 cases a target here (about a minute in a debug build); a crash fails the whole test run.
        for target in Self.targets { FuzzRun.run(target, seed: 20261202, cases: 0..<100) }
        #expect(Self.targets.count >= 35)
    }

    @Test func casesAreRepeatable() throws {
        let target = try #require(Self.targets.first { $0.name == "cluster.state" })
        #expect(FuzzRun.input(target, seed: 7, case: 12345) == FuzzRun.input(target, seed: 7, case: 12345))
        #expect(FuzzRun.input(target, seed: 7, case: 12345) != FuzzRun.input(target, seed: 8, case: 12345))
    }
}
