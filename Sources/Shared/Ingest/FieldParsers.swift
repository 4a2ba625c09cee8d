import OmnisegCore

/// Byte-level parsers for CSV field values. All take the field's bytes and return nil when the value
/// is not of the expected form, so the caller can name the column and what was expected.
public enum FieldParsers {
    /// The bytes without leading and trailing ASCII spaces and tabs.
    @inline(__always)
    public static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer { bytes.trimmingSpaces }

    /// Whether `bytes` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
    public static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 { i += 1; continue }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return false
            }
            if i + length > n { return false }
            let b1 = bytes[i + 1]
            if b1 < lower || b1 > upper { return false }
            for k in 2..<length where bytes[i + k] & 0xC0 != 0x80 { return false }
            i += length
        }
        return true
    }

    /// A decimal integer with an optional sign, within `Int64`.
    public static func integer(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        var negative = false
        if i < bytes.count && (bytes[i] == 0x2D || bytes[i] == 0x2B) { negative = bytes[i] == 0x2D; i += 1 }
        guard i < bytes.count else { return nil }
        var value: Int64 = 0
        while i < bytes.count {
            let d = Int64(bytes[i]) - 48
            guard d >= 0 && d <= 9 else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(d)
            if o1 || o2 { return nil }
            value = a
            i += 1
        }
        return negative ? -value : value
    }

    /// A decimal amount in hundredths (cents): `12`, `12.5`, `-3.99`, `.5`; more than two decimals
    /// round half away from zero. At most 15 integer digits.
    public static func cents(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var i = 0
        var negative = false
        if i < bytes.count && (bytes[i] == 0x2D || bytes[i] == 0x2B) { negative = bytes[i] == 0x2D; i += 1 }
        var whole: Int64 = 0
        var wholeDigits = 0
        while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            whole = whole * 10 + Int64(bytes[i] - 0x30)
            wholeDigits += 1
            if wholeDigits > 15 { return nil }
            i += 1
        }
        var fraction: Int64 = 0
        var fractionDigits = 0
        var roundUp = false
        if i < bytes.count && bytes[i] == 0x2E {
            i += 1
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                if fractionDigits < 2 {
                    fraction = fraction * 10 + Int64(bytes[i] - 0x30)
                } else if fractionDigits == 2 {
                    roundUp = bytes[i] >= 0x35
                }
                fractionDigits += 1
                i += 1
            }
            if fractionDigits == 0 && wholeDigits == 0 { return nil }
        }
        guard i == bytes.count, wholeDigits + fractionDigits > 0 else { return nil }
        if fractionDigits == 1 { fraction *= 10 }
        let magnitude = whole * 100 + fraction + (roundUp ? 1 : 0)
        return negative ? -magnitude : magnitude
    }

    /// A boolean: `1/0`, `true/false`, `t/f`, `yes/no`, `y/n` (any case); an empty field is false.
    public static func boolean(_ bytes: UnsafeRawBufferPointer) -> Bool? {
        if bytes.isEmpty { return false }
        if bytes.count > 5 { return nil }
        var lower: UInt64 = 0
        for b in bytes { lower = lower << 8 | UInt64(b.asciiLowercased) }
        switch lower {
        case 0x31, 0x74, 0x79, 0x796573, 0x74727565: return true        // 1, t, y, yes, true
        case 0x30, 0x66, 0x6E, 0x6E6F, 0x66616C7365: return false       // 0, f, n, no, false
        default: return nil
        }
    }
}
