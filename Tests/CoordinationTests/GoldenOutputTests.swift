import Foundation
@testable import TestSupport
import Testing

/// Every job kind's printed results (text, JSON, CSV) on a small generated retailer match the
/// golden files in Tests/Golden, written by `scripts/golden-outputs` with the build before the
/// runtime was split into modules: moving code between modules changed no answer.
@Suite struct GoldenOutputTests {
    @Test func everyKindPrintsTheGoldenResults() throws {
        let dir = TemporaryDirectory()
        let root = ClusterHarness.packageRoot
        let script = Process()
        script.executableURL = URL(fileURLWithPath: root + "/scripts/golden-outputs")
        script.arguments = [ClusterHarness.binaries, dir.file("out")]
        script.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        script.standardError = errors
        try script.run()
        let stderr = errors.fileHandleForReading.readDataToEndOfFile()
        script.waitUntilExit()
        try #require(script.terminationStatus == 0, "golden-outputs failed: \(String(decoding: stderr, as: UTF8.self))")

        let golden = root + "/Tests/Golden"
        let expected = try FileManager.default.contentsOfDirectory(atPath: golden).filter { !$0.hasPrefix(".") }.sorted()
        let produced = try FileManager.default.contentsOfDirectory(atPath: dir.file("out")).sorted()
        #expect(expected.count >= 20, "the golden set lists text, JSON and CSV of every kind")
        #expect(produced == expected, "the same files, text and JSON for every kind and CSV where it has rows")
        for name in expected {
            let want = try String(contentsOfFile: golden + "/" + name, encoding: .utf8)
            let got = (try? String(contentsOfFile: dir.file("out/" + name), encoding: .utf8)) ?? "(missing)"
            if got != want {
                let line = zip(want.split(separator: "\n", omittingEmptySubsequences: false), got.split(separator: "\n", omittingEmptySubsequences: false))
                    .enumerated().first { $0.element.0 != $0.element.1 }
                Issue.record("\(name) differs from the golden file at line \((line?.offset ?? 0) + 1): want '\(line?.element.0 ?? "")', got '\(line?.element.1 ?? "")'")
            }
        }
    }
}
