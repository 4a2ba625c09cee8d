import Dispatch
import Foundation
import OmnisegCore

/// Generates a synthetic omnichannel retailer: customers as 1–3 noisy source records, store and online
/// transactions, web/app events, a product catalogue, and ground truth (true person of every record,
/// persona, household, churn in the holdout window).
///
/// Output is byte-identical for the same options, whatever the number of threads: people are simulated
/// in fixed blocks, each from its own seeded streams, and blocks are written in order.
public struct RetailerGenerator: Sendable {
    /// People per block; blocks are the unit of parallel work.
    static let blockSize = 4096

    /// Counts of what was written.
    public struct Summary: Sendable {
        public var people = 0
        public var customerRecords = 0
        public var transactionLines = 0
        public var events = 0
        public var products = 0
        public var bytes = 0
    }

    public let options: GeneratorOptions

    public init(options: GeneratorOptions) {
        self.options = options
    }

    /// Writes the files of ``GeneratedFile`` into `directory` (created if needed), using up to `threads` threads.
    public func write(to directory: String, threads: Int = 2) throws(OmnisegError) -> Summary {
        guard options.people > 0 else { throw OmnisegError(.badInput, "--people must be at least 1, got \(options.people)") }
        guard options.lastDay > options.firstDay + options.holdoutDays else {
            throw OmnisegError(.badInput, "the history must be longer than the holdout window")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw OmnisegError(.io, "cannot create the output folder: \(error.localizedDescription)", context: [("path", directory)])
        }
        let catalog = Catalog(skuCount: options.skuCount, firstDay: options.firstDay, lastDay: options.lastDay, seed: options.seed)
        var files: [GeneratedFile: Int32] = [:]
        defer { files.values.forEach { close($0) } }
        for file in GeneratedFile.allCases {
            let path = (directory as NSString).appendingPathComponent(file.rawValue)
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard fd >= 0 else {
                throw OmnisegError(.io, "cannot create file: \(String(cString: strerror(errno)))", context: [("file", path)])
            }
            files[file] = fd
        }
        func fd(_ f: GeneratedFile) -> Int32 { files[f] ?? -1 }

        var summary = Summary()
        summary.people = options.people
        var headers = PersonSimulator.Output()
        headers.customers.raw("source,source_id,email,phone,loyalty_id,first_name,last_name,gender,birth_date,street,postcode,city\n")
        headers.transactions.raw("source,customer_id,timestamp,channel,store_id,order_id,sku,department,quantity,amount,discounted\n")
        headers.events.raw("source,customer_id,timestamp,event,sku,department\n")
        headers.truthRecords.raw("source,source_id,person\n")
        headers.truthPeople.raw("person,persona,gender,household,churn_date,last_purchase_date,churned_in_holdout\n")
        try emit(&headers, fd, &summary, countRows: false)

        var products = ByteWriter()
        products.raw("sku,name,department,price,arrival_date\n")
        for p in catalog.products {
            products.field(p.sku); products.comma()
            products.field("\(Catalog.departments[p.department].capitalized) \(p.isRunningShoe ? "running shoe" : "item") \(p.sku.dropFirst(3))")
            products.comma()
            products.field(Catalog.departments[p.department]); products.comma()
            products.cents(p.priceCents); products.comma()
            products.date(days: p.arrivalDay)
            products.newline()
        }
        summary.products = catalog.products.count
        summary.bytes += products.bytes.count
        try products.flush(to: fd(.products))

        let simulator = PersonSimulator(options: options, catalog: catalog)
        let blockCount = (options.people + Self.blockSize - 1) / Self.blockSize
        let lanes = max(1, threads)
        var block = 0
        while block < blockCount {
            let round = min(lanes, blockCount - block)
            let results = BlockResults(count: round)
            let first = block
            DispatchQueue.concurrentPerform(iterations: round) { lane in
                var output = PersonSimulator.Output()
                let lo = (first + lane) * Self.blockSize
                let hi = min(lo + Self.blockSize, options.people)
                for person in lo..<hi { simulator.simulate(person, into: &output) }
                results.store(output, at: lane)
            }
            for lane in 0..<round {
                var output = results.take(lane)
                try emit(&output, fd, &summary, countRows: true)
            }
            block += round
        }
        return summary
    }

    private func emit(_ output: inout PersonSimulator.Output, _ fd: (GeneratedFile) -> Int32, _ summary: inout Summary, countRows: Bool) throws(OmnisegError) {
        if countRows {
            summary.customerRecords += output.customers.bytes.lazy.filter { $0 == 0x0A }.count
            summary.transactionLines += output.transactions.bytes.lazy.filter { $0 == 0x0A }.count
            summary.events += output.events.bytes.lazy.filter { $0 == 0x0A }.count
        }
        summary.bytes += output.customers.bytes.count + output.transactions.bytes.count + output.events.bytes.count
        try output.customers.flush(to: fd(.customers))
        try output.transactions.flush(to: fd(.transactions))
        try output.events.flush(to: fd(.events))
        try output.truthRecords.flush(to: fd(.truthRecords))
        try output.truthPeople.flush(to: fd(.truthPeople))
    }
}

/// Slots for the outputs of one round of parallel blocks.
///
/// `@unchecked Sendable` is safe: each lane writes only its own slot, under the lock, and the slots are
/// read only after `concurrentPerform` has returned (which orders every write before the reads).
private final class BlockResults: @unchecked Sendable {
    private var slots: [PersonSimulator.Output?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ output: PersonSimulator.Output, at lane: Int) {
        lock.lock()
        slots[lane] = output
        lock.unlock()
    }

    func take(_ lane: Int) -> PersonSimulator.Output {
        lock.lock()
        defer { lock.unlock() }
        let output = slots[lane] ?? PersonSimulator.Output()
        slots[lane] = nil
        return output
    }
}
