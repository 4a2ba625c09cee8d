import OmnisegCore

/// Parses timestamps to Unix seconds (UTC).
///
/// The default form is ISO-8601: `2026-03-01`, `2026-03-01T12:34`, `2026-03-01 12:34:56`,
/// `2026-03-01T12:34:56.123Z`, `2026-03-01T12:34:56+01:00`. A custom format names its fields with
/// `%Y` (4-digit year), `%y` (2-digit year, 2000-2099), `%m`, `%d`, `%H`, `%M`, `%S` (1 or 2 digits each)
/// and matches every other character literally, e.g. `%d/%m/%Y %H:%M`. Times without a zone are UTC.
public struct TimestampParser: Sendable {
    enum Token: Sendable, Equatable {
        case year4, year2, month, day, hour, minute, second
        case literal(UInt8)
    }

    private let tokens: [Token]?

    /// The ISO-8601 parser.
    public static let iso8601 = TimestampParser(tokens: nil)

    private init(tokens: [Token]?) { self.tokens = tokens }

    /// A parser for a custom format; throws when the format has an unknown `%` field or lacks a year, month or day.
    public init(format: String) throws(OmnisegError) {
        var tokens: [Token] = []
        var bytes = Array(format.utf8)[...]
        while let b = bytes.popFirst() {
            if b == UInt8(ascii: "%") {
                guard let f = bytes.popFirst() else {
                    throw OmnisegError(.badInput, "date format ends with a lone %", context: [("format", format)])
                }
                switch f {
                case UInt8(ascii: "Y"): tokens.append(.year4)
                case UInt8(ascii: "y"): tokens.append(.year2)
                case UInt8(ascii: "m"): tokens.append(.month)
                case UInt8(ascii: "d"): tokens.append(.day)
                case UInt8(ascii: "H"): tokens.append(.hour)
                case UInt8(ascii: "M"): tokens.append(.minute)
                case UInt8(ascii: "S"): tokens.append(.second)
                case UInt8(ascii: "%"): tokens.append(.literal(b))
                default:
                    throw OmnisegError(.badInput, "date format has unknown field %\(Character(Unicode.Scalar(f))); expected %Y %y %m %d %H %M %S",
                                       context: [("format", format)])
                }
            } else {
                tokens.append(.literal(b))
            }
        }
        let hasYear = tokens.contains(.year4) || tokens.contains(.year2)
        guard hasYear, tokens.contains(.month), tokens.contains(.day) else {
            throw OmnisegError(.badInput, "date format needs a year (%Y or %y), a month (%m) and a day (%d)", context: [("format", format)])
        }
        self.tokens = tokens
    }

    /// What the parser expects, for error messages.
    public var expectation: String {
        tokens == nil ? "an ISO-8601 date or date-time (e.g. 2026-03-01T12:30:00Z)" : "a date-time in the configured format"
    }

    /// Parses `bytes`, or returns nil when they do not match or name an impossible date or time.
    public func parse(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        if let tokens { return parseCustom(bytes, tokens) }
        return parseISO(bytes)
    }

    private func parseISO(_ b: UnsafeRawBufferPointer) -> Int64? {
        let n = b.count
        guard n >= 10, b[4] == 0x2D, b[7] == 0x2D,
              let year = digits(b, 0, 4), let month = digits(b, 5, 2), let day = digits(b, 8, 2) else { return nil }
        var hour = 0, minute = 0, second = 0
        var i = 10
        if i < n {
            guard b[i] == 0x54 || b[i] == 0x20 || b[i] == 0x74, i + 6 <= n, b[i + 3] == 0x3A,
                  let h = digits(b, i + 1, 2), let m = digits(b, i + 4, 2) else { return nil }
            hour = h; minute = m
            i += 6
            if i < n && b[i] == 0x3A {
                guard i + 3 <= n, let s = digits(b, i + 1, 2) else { return nil }
                second = s
                i += 3
                if i < n && (b[i] == 0x2E || b[i] == 0x2C) {
                    i += 1
                    let start = i
                    while i < n, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
                    if i == start { return nil }
                }
            }
        }
        var offsetSeconds = 0
        if i < n {
            if b[i] == 0x5A || b[i] == 0x7A {
                i += 1
            } else if b[i] == 0x2B || b[i] == 0x2D {
                let sign = b[i] == 0x2D ? -1 : 1
                guard let oh = digits(b, i + 1, 2) else { return nil }
                i += 3
                var om = 0
                if i < n && b[i] == 0x3A { i += 1 }
                if i < n { guard let m = digits(b, i, 2) else { return nil }; om = m; i += 2 }
                guard oh <= 14, om < 60 else { return nil }
                offsetSeconds = sign * (oh * 3600 + om * 60)
            }
            guard i == n else { return nil }
        }
        guard let seconds = Self.unixSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second) else { return nil }
        return seconds - Int64(offsetSeconds)
    }

    private func parseCustom(_ b: UnsafeRawBufferPointer, _ tokens: [Token]) -> Int64? {
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0
        var i = 0
        for token in tokens {
            switch token {
            case .literal(let c):
                guard i < b.count, b[i] == c else { return nil }
                i += 1
            case .year4:
                guard let v = digits(b, i, 4) else { return nil }
                year = v; i += 4
            default:
                var v = 0
                var count = 0
                while count < 2, i < b.count, b[i] >= 0x30, b[i] <= 0x39 { v = v * 10 + Int(b[i] - 0x30); i += 1; count += 1 }
                guard count > 0 else { return nil }
                switch token {
                case .year2: year = 2000 + v
                case .month: month = v
                case .day: day = v
                case .hour: hour = v
                case .minute: minute = v
                case .second: second = v
                default: break
                }
            }
        }
        guard i == b.count else { return nil }
        return Self.unixSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    @inline(__always)
    private func digits(_ b: UnsafeRawBufferPointer, _ at: Int, _ count: Int) -> Int? {
        guard at + count <= b.count else { return nil }
        var v = 0
        for k in at..<(at + count) {
            let d = Int(b[k]) - 48
            guard d >= 0 && d <= 9 else { return nil }
            v = v * 10 + d
        }
        return v
    }

    /// Unix seconds of a civil UTC date-time, or nil when a field is out of range (years 1900-2199).
    public static func unixSeconds(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) -> Int64? {
        guard (1900...2199).contains(year), (1...12).contains(month), day >= 1,
              day <= CivilDate.daysInMonth(year: year, month: month),
              (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second) else { return nil }
        let days = CivilDate.daysFromCivil(year: year, month: month, day: day)
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59))
    }
}

extension TimestampParser {
    /// Parses text (see ``parse(_:)-bytes``).
    public func parse(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }
}
