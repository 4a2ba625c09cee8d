import ArgumentParser
import Foundation
import OmnisegCore
import Report
import Segments
import SegmentsWorkspace

/// `omniseg report --out report.html`: the self-contained HTML report of a feature set.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write a self-contained HTML report: channels, segments and their overlaps, clusters, churn risk, recommendations.",
        discussion: """
            Counts the built-in segments (RFM, lifecycle, channel) and the chosen ones with the segment job, and adds the newest
            cluster, churn-score and recommend results of the same feature set. The chosen segments are --segments, else up to
            eight saved segments, else a default set. The file has inline CSS and SVG only: it opens offline and can be e-mailed.
            """)
    @Option(help: "The HTML file to write.") var out: String = "omniseg-report.html"
    @Option(help: "Saved segment names or rules for the overlap chart, separated by ';' (default: the saved segments).") var segments: String?
    @OptionGroup var options: SegmentJobOptions

    func run() throws {
        let ws = try options.job.workspace.open()
        var chosen: [String]
        if let segments {
            chosen = segments.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        } else {
            chosen = try failingCleanly { () throws(OmnisegError) in try SegmentStore(workspace: ws).all().prefix(8).map(\.name) }
        }
        let names: [String]
        if chosen.count < 2 {
            chosen = HTMLReport.defaultSegments.map(\.rule)
            names = HTMLReport.defaultSegments.map(\.name)
        } else {
            names = chosen
        }
        let rfm = try run(HTMLReport.rfmRules)
        let lifecycle = try run(HTMLReport.lifecycleAndChannelRules)
        let picked = try run(Array(zip(names, chosen)))
        var report = HTMLReport(rfm: rfm, lifecycleAndChannel: lifecycle, chosen: picked)
        try failingCleanly { () throws(OmnisegError) in try report.addStoredResults(from: ws) }
        do {
            try Data(report.html.utf8).write(to: URL(fileURLWithPath: out))
        } catch {
            StandardError.write("error: cannot write the report to \(out): \(error.localizedDescription)\n")
            throw ExitCode.failure
        }
        print("report: \(URL(fileURLWithPath: out).standardizedFileURL.path)")
    }

    /// The segment job over `segments` (names shown as given).
    private func run(_ segments: [(name: String, rule: String)]) throws -> SegmentResult {
        let (_, bytes) = try options.execute(SegmentJob.name, segments.map(\.rule), members: false, names: segments.map(\.name))
        return try failingCleanly { () throws(OmnisegError) in try SegmentResult(decoding: SegmentJob.resultBody(bytes)) }
    }
}
