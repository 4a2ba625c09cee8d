#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends CSV text as bytes (no `String` formatting on the hot path) and flushes to a file descriptor.
public struct ByteWriter {
    /// The bytes not yet written.
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 1 << 20) { if capacity > 0 { bytes.reserveCapacity(capacity) } }

    @inline(__always) public mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// Appends the UTF-8 of `text` as is.
    @inline(__always) public mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends `text` as one CSV field, quoted when it holds a comma, quote, CR or LF.
    public mutating func field(_ text: String) {
        var needsQuotes = false
        for b in text.utf8 where b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D { needsQuotes = true; break }
        if !needsQuotes { bytes.append(contentsOf: text.utf8); return }
        bytes.append(0x22)
        for b in text.utf8 {
            if b == 0x22 { bytes.append(0x22) }
            bytes.append(b)
        }
        bytes.append(0x22)
    }

    @inline(__always) public mutating func comma() { bytes.append(0x2C) }
    @inline(__always) public mutating func newline() { bytes.append(0x0A) }

    /// Appends a decimal integer.
    public mutating func int(_ value: Int) {
        if value < 0 { bytes.append(0x2D) }
        var v = value.magnitude
        if v == 0 { bytes.append(0x30); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            while v > 0 { d[n] = UInt8(v % 10) + 0x30; v /= 10; n += 1 }
        }
        withUnsafeBytes(of: &digits) { d in
            var i = n - 1
            while i >= 0 { bytes.append(d[i]); i -= 1 }
        }
    }

    /// Appends an integer zero-padded to `width` digits (non-negative values).
    @inline(__always) public mutating func padded(_ value: Int, width: Int) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var v = value
        while divisor > 0 { bytes.append(UInt8(v / divisor % 10) + 0x30); v %= divisor; divisor /= 10 }
    }

    /// Appends cents as a decimal amount with two places (`1234` → `12.34`).
    public mutating func cents(_ value: Int64) {
        if value < 0 { bytes.append(0x2D) }
        let m = Int(value.magnitude)
        int(m / 100)
        bytes.append(0x2E)
        padded(m % 100, width: 2)
    }

    /// Appends Unix seconds as ISO-8601 UTC (`2026-03-01T12:34:56Z`).
    public mutating func timestamp(_ seconds: Int64) {
        let days = Int(seconds / 86_400)
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        date(days: days)
        bytes.append(0x54)
        padded(secondOfDay / 3600, width: 2)
        bytes.append(0x3A)
        padded(secondOfDay / 60 % 60, width: 2)
        bytes.append(0x3A)
        padded(secondOfDay % 60, width: 2)
        bytes.append(0x5A)
    }

    /// Appends a day number (days since 1970-01-01) as `YYYY-MM-DD`.
    public mutating func date(days: Int) {
        let (y, m, d) = CivilDate.civilFromDays(days)
        padded(y, width: 4)
        bytes.append(0x2D)
        padded(m, width: 2)
        bytes.append(0x2D)
        padded(d, width: 2)
    }

    /// Writes and empties the buffer when it holds more than `threshold` bytes (always when 0).
    public mutating func flush(to fd: Int32, threshold: Int = 0) throws(OmnisegError) {
        guard bytes.count > threshold, !bytes.isEmpty else { return }
        let failure: Int32 = bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return 0
        }
        if failure != 0 {
            throw OmnisegError(.io, "write failed: \(String(cString: strerror(failure)))")
        }
        bytes.removeAll(keepingCapacity: true)
    }
}
