import Features
import Foundation
import OmnisegCore

/// The result of a `profile` job: per-feature count, mean, standard deviation, min, max, quantiles
/// (within 1% relative error) and a histogram.
public struct DatasetProfile: Sendable, Equatable {
    /// The quantile levels reported for every column.
    public static let quantileLevels = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]

    public struct Column: Sendable, Equatable {
        public var name: String
        public var moments: ColumnMoments
        /// Values at ``DatasetProfile/quantileLevels``.
        public var quantiles: [Double]
        /// Counts in equal-width bins between min and max.
        public var histogram: [UInt64]
    }

    public var bins: Int
    public var columns: [Column]

    public var rowCount: UInt64 { columns.first?.moments.count ?? 0 }

    /// The encoded profile (a ``WireFrame`` of type `jobResult`).
    public var encoded: [UInt8] {
        var writer = WireWriter(capacity: 8192)
        writer.string(ProfileJob.name)
        writer.count(bins)
        writer.count(columns.count)
        for c in columns {
            writer.string(c.name)
            c.moments.encode(into: &writer)
            for q in c.quantiles { writer.f64(q) }
            for h in c.histogram { writer.u64(h) }
        }
        return WireFrame(.jobResult, payload: writer.bytes).encoded
    }

    init(bins: Int, columns: [Column]) {
        self.bins = bins
        self.columns = columns
    }

    /// Decodes ``encoded``.
    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        let frame = try WireFrame.decode(bytes, expecting: .jobResult)
        var reader = WireReader(frame.payload, what: "profile result")
        let kind = try reader.string()
        guard kind == ProfileJob.name else { throw reader.failure("it is a '\(kind)' result") }
        bins = try reader.count(limit: 1000)
        let n = try reader.count(limit: 100_000)
        columns = []
        for _ in 0..<n {
            let name = try reader.string()
            let moments = try ColumnMoments.decode(from: &reader)
            var quantiles: [Double] = []
            for _ in Self.quantileLevels { quantiles.append(try reader.f64()) }
            var histogram: [UInt64] = []
            for _ in 0..<bins { histogram.append(try reader.u64()) }
            columns.append(Column(name: name, moments: moments, quantiles: quantiles, histogram: histogram))
        }
        try reader.expectEnd()
    }

    /// A fixed-width table for a terminal.
    public var table: String {
        let width = max(8, columns.map(\.name.count).max() ?? 8)
        func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        var lines = ["profile of \(Format.count(rowCount)) people, \(columns.count) features"]
        lines.append("feature".padding(toLength: width, withPad: " ", startingAt: 0)
                     + ["mean", "std", "min", "p5", "p50", "p95", "max"].map { pad($0, 11) }.joined())
        for c in columns {
            let values = [c.moments.mean, c.moments.variance.squareRoot(), Double(c.moments.min),
                          c.quantiles[1], c.quantiles[3], c.quantiles[5], Double(c.moments.max)]
            lines.append(c.name.padding(toLength: width, withPad: " ", startingAt: 0) + values.map { pad(Self.short($0), 11) }.joined())
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// JSON for scripts; numbers are printed with enough digits to round-trip.
    public var json: String {
        var out = "{\"kind\":\"profile\",\"rows\":\(rowCount),\"bins\":\(bins),\"columns\":["
        out += columns.map { c in
            let quantiles = zip(Self.quantileLevels, c.quantiles).map { "\"p\(Int(($0 * 100).rounded()))\":\(Self.number($1))" }.joined(separator: ",")
            return "{\"name\":\(JSONText.quoted(c.name)),\"count\":\(c.moments.count),\"mean\":\(Self.number(c.moments.mean)),"
                + "\"std\":\(Self.number(c.moments.variance.squareRoot())),\"min\":\(Self.number(Double(c.moments.min))),"
                + "\"max\":\(Self.number(Double(c.moments.max))),\"quantiles\":{\(quantiles)},"
                + "\"histogram\":[\(c.histogram.map(String.init).joined(separator: ","))]}"
        }.joined(separator: ",")
        return out + "]}\n"
    }

    static func number(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }

    static func short(_ v: Double) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 1e5 || abs(v) < 1e-3 { return String(format: "%.3g", v) }
        return String(format: "%.4g", v)
    }
}
