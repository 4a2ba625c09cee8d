import ArgumentParser
import Ingest
import OmnisegCore

extension IngestKind: ExpressibleByArgument {}

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load CSV files of customers, transactions, events or products into the workspace.",
        discussion: """
            The header is checked against the kind's columns (matched by name, case-insensitively).
            Rename columns with --map ours=theirs and give constants with --set column=value, e.g. for a
            POS export: --map customer_id=CUSTOMER_ID --map timestamp=TRANSACTION_DT --map sku=PRODUCT_ID
            --map amount=SALES_PRICE --set channel=store --set source=pos
            Bad rows are quarantined with file, line, column and reason (see `omniseg quarantine`).
            Re-ingesting a file with the same content and options does nothing.
            Exits 1 when a file cannot be read or every one of its rows was rejected.
            """
    )

    @OptionGroup var workspaceOptions: WorkspaceOptions
    @Argument(help: "What the files hold: customers, transactions, events or products.") var kind: IngestKind
    @Argument(help: "CSV files.") var files: [String]
    @Option(name: .customLong("map"), help: ArgumentHelp("Read our column from their header name.", valueName: "ours=theirs"))
    var maps: [String] = []
    @Option(name: .customLong("set"), help: ArgumentHelp("Use a constant for a column.", valueName: "column=value"))
    var sets: [String] = []
    @Option(help: ArgumentHelp("Date format (%Y %y %m %d %H %M %S); default ISO-8601.", valueName: "format"))
    var dateFormat: String?
    @Flag(help: "Print plain progress lines even on a terminal.") var plain = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one CSV file") }
    }

    func run() throws {
        let workspace = try workspaceOptions.open()
        var failed = false
        for file in files {
            let report = try failingCleanly { () throws(OmnisegError) in
                let options = IngestOptions(kind: kind, columnMap: try IngestOptions.pairs(maps, option: "--map"),
                                            constants: try IngestOptions.pairs(sets, option: "--set"), dateFormat: dateFormat)
                return try Ingester(workspace: workspace, progressStyle: plain ? .lines : .automatic).ingest(file: file, options: options)
            }
            print(IngestSummary.text(report))
            // Exit 1 when a file had rows and every one of them was rejected.
            if !report.alreadyIngested && report.rowsRead > 0 && report.accepted == 0 { failed = true }
        }
        if failed { throw ExitCode.failure }
    }
}

/// The printed summary of one file's ingest.
enum IngestSummary {
    static func text(_ r: IngestReport) -> String {
        if r.alreadyIngested {
            return "\(r.file): already ingested with these options (\(Format.count(r.rowsRead)) rows read = \(Format.count(r.accepted)) accepted + \(Format.count(r.rejected)) rejected); nothing to do"
        }
        var lines = ["\(r.file): \(Format.count(r.rowsRead)) rows read = \(Format.count(r.accepted)) accepted + \(Format.count(r.rejected)) rejected"]
        if !r.ignoredColumns.isEmpty { lines.append("  ignored columns: \(r.ignoredColumns.joined(separator: ", "))") }
        for s in r.rejectionSamples {
            lines.append("  line \(s.line): \(s.reason)")
        }
        if r.rejected > r.rejectionSamples.count {
            lines.append("  … \(Format.count(r.rejected - r.rejectionSamples.count)) more; see `omniseg quarantine --file-id \(r.fileID)`")
        }
        if r.warnings > 0 {
            lines.append("  \(Format.count(r.warnings)) optional fields left out of accepted rows (the rows are kept):")
            for w in r.warningSamples { lines.append("  line \(w.line): \(w.column) '\(w.value)' \(w.reason)") }
            if r.warnings > r.warningSamples.count {
                lines.append("  … \(Format.count(r.warnings - r.warningSamples.count)) more; see `omniseg quarantine --warnings --file-id \(r.fileID)`")
            }
        }
        return lines.joined(separator: "\n")
    }
}
