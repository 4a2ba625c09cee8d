#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows progress of long work on standard error: a redrawn bar on a terminal, a plain line every
/// few seconds otherwise, and nothing when disabled.
public final class ProgressMeter {
    /// How progress is shown.
    public enum Style: Sendable {
        case automatic
        case bar
        case lines
        case silent
    }

    private let label: String
    private let unit: String
    private let total: Int
    private let style: Style
    private var lastDraw: Double = 0
    private let start: Double
    private var drewBar = false

    /// A meter for `total` units of work named `label` (0: not known in advance); the items counted
    /// are shown in `unit` (rows, trees, iterations, shards) with their rate and, when the total is
    /// known and the work under way, the time left.
    public init(label: String, total: Int, unit: String = "rows", style: Style = .automatic) {
        self.label = label
        self.unit = unit
        self.total = max(total, 0)
        switch style {
        case .automatic: self.style = isatty(2) != 0 ? .bar : .lines
        default: self.style = style
        }
        self.start = ProgressMeter.now()
        self.lastDraw = start
    }

    /// Seconds on a monotonic clock.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Reports `done` units finished and `items` things counted so far (shown as a rate).
    public func update(done: Int, items: Int) {
        guard style != .silent else { return }
        let t = ProgressMeter.now()
        let interval = style == .bar ? 0.2 : 5.0
        guard t - lastDraw >= interval else { return }
        lastDraw = t
        draw(done: done, items: items, elapsed: t - start)
    }

    /// Draws the final state and ends the bar's line.
    public func finish(done: Int, items: Int) {
        guard style != .silent else { return }
        if style == .bar || ProgressMeter.now() - start >= 5 {
            draw(done: done, items: items, elapsed: ProgressMeter.now() - start)
        }
        if drewBar { StandardError.write("\n") }
    }

    private func draw(done: Int, items: Int, elapsed: Double) {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let rate = elapsed > 0 ? Double(items) / elapsed : 0
        var stats = (total > 0 ? "\(Int(fraction * 100))% " : "") + "\(Format.count(items)) \(unit), \(Self.rate(rate))/s"
        if fraction > 0 && fraction < 1 { stats += ", about \(Self.duration(elapsed * (1 - fraction) / fraction)) left" }
        if style == .bar {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = total > 0 ? "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] " : ""
            StandardError.write("\r\(label) \(bar)\(stats)\u{1B}[K")
            drewBar = true
        } else {
            StandardError.write("\(label): \(stats)\n")
        }
    }
}

extension ProgressMeter {
    /// A rate with sensible precision: `0.42`, `7.5`, `1,234`.
    static func rate(_ value: Double) -> String {
        value >= 100 ? Format.count(Int(value)) : Format.fixed(value, value >= 10 ? 1 : 2)
    }

    /// Seconds for people: `42 s`, `3 min 5 s`, `2 h 10 min`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds < 1e7 else { return "a long time" }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h \(s % 3600 / 60) min"
    }
}

/// Number formatting for people: thousands separators, short rates.
public enum Format {
    /// `1234567` → `1,234,567`.
    public static func count<I: BinaryInteger>(_ value: I) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// A value with `digits` decimals.
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = "\(rounded)"
        if text.contains("e") { return text }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        if digits == 0 { return String(parts[0]) }
        text = String(parts[0]) + "." + fraction.padding(to: digits)
        return text
    }

    /// `part` as a percentage of `whole` with one decimal, `12.3%` (`–` when `whole` is 0).
    public static func share(_ part: Int, of whole: Int) -> String {
        whole > 0 ? fixed(100 * Double(part) / Double(whole), 1) + "%" : "–"
    }

    /// Cents as a money amount with two decimals and separators: `123456` → `1,234.56`.
    public static func money(cents: Int64) -> String {
        let whole = cents / 100
        let frac = abs(cents % 100)
        return "\(count(whole)).\(frac < 10 ? "0" : "")\(frac)"
    }
}

extension String {
    fileprivate func padding(to length: Int) -> String {
        count >= length ? String(prefix(length)) : self + String(repeating: "0", count: length - count)
    }
}

/// Unbuffered writes to standard error (file descriptor 2).
public enum StandardError {
    /// Writes `text` to standard error.
    public static func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(2, bytes.baseAddress! + offset, bytes.count - offset)
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
