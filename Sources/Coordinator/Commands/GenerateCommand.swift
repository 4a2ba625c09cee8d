import ArgumentParser
import OmnisegCore
import Synthetic

extension IdentityNoise: ExpressibleByArgument {}

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a synthetic omnichannel retailer as CSV files, deterministic by seed.",
        discussion: """
            Writes customers.csv (1-3 noisy source records per person), transactions.csv, events.csv, \
            products.csv and the ground truth (truth_records.csv, truth_people.csv) into --out. People follow eight \
            planted personas; replenished products (most of beauty, some home and basics) become staples that most of \
            their buyers buy again about once per personal cycle.
            """
    )

    @Option(help: "Number of distinct people.") var people: Int = 100_000
    @Option(help: "Random seed; the same seed writes identical files.") var seed: UInt64 = 42
    @Option(help: ArgumentHelp("Output folder.", valueName: "dir")) var out: String
    @Option(help: "Threads to generate with.") var threads: Int = 2
    @Option(help: "Share of order lines that complete a product line the person bought from before (planted co-purchase structure).")
    var collectionLoyalty: Double = 0.25
    @Option(help: ArgumentHelp("How hard the customer records are to link: standard, or hard (more typos, swapped names, nicknames, moved addresses, birth dates off, more fields left out).",
                               valueName: "noise")) var identityNoise: IdentityNoise = .standard
    @Flag(help: "Write only the customer records and their truth (truth_records.csv); the other files get their header only. For identity benchmarks at scale.")
    var customersOnly = false

    func validate() throws {
        guard people > 0 else { throw ValidationError("--people must be at least 1") }
        guard threads > 0 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let start = ProgressMeter.now()
        let summary = try failingCleanly { () throws(OmnisegError) in
            var options = GeneratorOptions(people: people, seed: seed)
            options.collectionLoyalty = collectionLoyalty
            options.identityNoise = identityNoise
            options.customersOnly = customersOnly
            return try RetailerGenerator(options: options).write(to: out, threads: threads)
        }
        let seconds = ProgressMeter.now() - start
        print("""
            generated \(Format.count(summary.people)) people in \(Format.fixed(seconds, 1)) s → \(out)
              customer records   \(Format.count(summary.customerRecords))
              transaction lines  \(Format.count(summary.transactionLines))
              events             \(Format.count(summary.events))
              products           \(Format.count(summary.products))
              bytes              \(Format.count(summary.bytes))
            """)
    }
}
