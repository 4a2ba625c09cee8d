import Foundation

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    package var trimmedSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" { s.removeLast() }
        return String(s)
    }
}

extension UnsafeRawBufferPointer {
    /// The bytes without leading and trailing ASCII spaces and tabs (``StringProtocol/trimmedSpaces``
    /// on bytes).
    @inline(__always)
    package var trimmingSpaces: UnsafeRawBufferPointer {
        var start = 0, end = count
        while start < end && (self[start] == 0x20 || self[start] == 0x09) { start += 1 }
        while end > start && (self[end - 1] == 0x20 || self[end - 1] == 0x09) { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: self[start..<end])
    }
}

extension UInt8 {
    /// The byte, lower-cased when it is an ASCII capital letter.
    @inline(__always)
    package var asciiLowercased: UInt8 { self >= 0x41 && self <= 0x5A ? self | 0x20 : self }
}
