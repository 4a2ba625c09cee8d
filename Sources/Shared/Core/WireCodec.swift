/// Little-endian binary encoding for the queue's wire formats: fixed-width integers, doubles,
/// length-prefixed bytes and strings. The reader checks every length against what is left and throws
/// `.corrupt` instead of reading past the end.
public struct WireWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func u16(_ v: UInt16) { append(v.littleEndian) }
    public mutating func u32(_ v: UInt32) { append(v.littleEndian) }
    public mutating func u64(_ v: UInt64) { append(v.littleEndian) }
    public mutating func i64(_ v: Int64) { append(v.littleEndian) }
    public mutating func f64(_ v: Double) { append(v.bitPattern.littleEndian) }
    public mutating func f32(_ v: Float) { append(v.bitPattern.littleEndian) }
    public mutating func count(_ v: Int) { u32(UInt32(truncatingIfNeeded: v)) }

    /// Length-prefixed bytes (u32 length).
    public mutating func blob(_ v: [UInt8]) {
        count(v.count)
        bytes.append(contentsOf: v)
    }

    /// Length-prefixed UTF-8.
    public mutating func string(_ v: String) { blob(Array(v.utf8)) }

    /// Raw bytes without a length.
    public mutating func raw(_ v: [UInt8]) { bytes.append(contentsOf: v) }
    /// Many floats at once (little-endian, like ``f32(_:)``).
    /// An optional value: a presence flag (0 or 1), then the value written by `write` when there is one.
    public mutating func optional<T>(_ value: T?, _ write: (T, inout WireWriter) -> Void) {
        if let value {
            u8(1)
            write(value, &self)
        } else {
            u8(0)
        }
    }

    /// Integers, little-endian, without a count (the reader knows it).
    public mutating func integers<T: FixedWidthInteger>(_ v: [T]) {
        v.withUnsafeBytes { raw in
            if T.self == UInt8.self || 1.littleEndian == 1 {
                bytes.append(contentsOf: raw)
            } else {
                for x in v { append(x.littleEndian) }
            }
        }
    }

    public mutating func f32s(_ v: [Float]) {
        if 1.littleEndian == 1 {
            v.withUnsafeBytes { bytes.append(contentsOf: $0) }
        } else {
            for x in v { append(x.bitPattern.littleEndian) }
        }
    }

    private mutating func append<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v) { bytes.append(contentsOf: $0) }
    }
}

/// Reads what ``WireWriter`` wrote; every read is bounds-checked.
public struct WireReader {
    private let bytes: [UInt8]
    private var offset: Int
    private let what: String

    /// A reader over `bytes`; `what` names the thing being decoded in error messages.
    public init(_ bytes: [UInt8], what: String) {
        self.bytes = bytes
        self.offset = 0
        self.what = what
    }

    public var isAtEnd: Bool { offset == bytes.count }
    public var remaining: Int { bytes.count - offset }

    public mutating func u8() throws(OmnisegError) -> UInt8 {
        let slice = try take(1)
        return slice[slice.startIndex]
    }
    public mutating func u16() throws(OmnisegError) -> UInt16 { try integer() }
    public mutating func u32() throws(OmnisegError) -> UInt32 { try integer() }
    public mutating func u64() throws(OmnisegError) -> UInt64 { try integer() }
    public mutating func i64() throws(OmnisegError) -> Int64 { Int64(bitPattern: try integer()) }
    public mutating func f64() throws(OmnisegError) -> Double { Double(bitPattern: try integer()) }
    public mutating func f32() throws(OmnisegError) -> Float { Float(bitPattern: try integer()) }

    /// The most a tally of one shard may count (2⁴⁰): tallies of 65,536 shards still sum in a
    /// `UInt64` without overflow.
    public static let maximumTally: UInt64 = 1 << 40

    /// A u64 that counts things in one shard (rows, values, people), at most ``maximumTally``.
    public mutating func tally() throws(OmnisegError) -> UInt64 {
        let v: UInt64 = try integer()
        guard v <= Self.maximumTally else { throw failure("a count of \(v) is more than one shard can hold") }
        return v
    }

    /// A count (u32) that must not exceed `limit`.
    public mutating func count(limit: Int) throws(OmnisegError) -> Int {
        let n = Int(try u32())
        guard n <= limit else { throw failure("a count of \(n) exceeds the limit of \(limit)") }
        return n
    }

    public mutating func blob(limit: Int = 1 << 30) throws(OmnisegError) -> [UInt8] {
        let n = try count(limit: limit)
        return Array(try take(n))
    }

    public mutating func string(limit: Int = 1 << 16) throws(OmnisegError) -> String {
        let raw = try take(try count(limit: limit))
        // Decoding repairs invalid UTF-8, so the text is valid exactly when its bytes are the input's.
        // (`String(validating:as:)` is generic and was most of a table partition's decoding time.)
        let text = String(decoding: raw, as: UTF8.self)
        guard text.utf8.elementsEqual(raw) else { throw failure("a string is not valid UTF-8") }
        return text
    }

    /// `n` raw bytes.
    public mutating func bytes(_ n: Int) throws(OmnisegError) -> [UInt8] { Array(try take(n)) }

    /// `n` floats written by ``WireWriter/f32s(_:)``.
    public mutating func f32s(_ n: Int) throws(OmnisegError) -> [Float] {
        guard n >= 0, n <= (bytes.count - offset) / 4 else { throw failure("needs \(4 * n) more bytes, \(bytes.count - offset) left") }
        let slice = try take(4 * n)
        return [Float](unsafeUninitializedCapacity: n) { buffer, count in
            Self.copy(slice, into: UnsafeMutableRawBufferPointer(buffer), elementSize: 4)
            count = n
        }
    }

    /// A value written by ``WireWriter/optional(_:_:)``: nil after flag 0, `read`'s value after flag 1.
    public mutating func optional<T>(_ read: (inout WireReader) throws(OmnisegError) -> T) throws(OmnisegError) -> T? {
        switch try u8() {
        case 0: return nil
        case 1: return try read(&self)
        case let flag: throw failure("presence flag \(flag) is neither 0 nor 1")
        }
    }

    /// `n` little-endian integers written with ``WireWriter/integers(_:)``.
    public mutating func integers<T: FixedWidthInteger>(_ n: Int, of: T.Type) throws(OmnisegError) -> [T] {
        let size = MemoryLayout<T>.size
        guard n >= 0, n <= (bytes.count - offset) / size else { throw failure("needs \(size * n) more bytes, \(bytes.count - offset) left") }
        let slice = try take(size * n)
        return [T](unsafeUninitializedCapacity: n) { buffer, count in
            Self.copy(slice, into: UnsafeMutableRawBufferPointer(buffer), elementSize: size)
            count = n
        }
    }

    /// Copies little-endian elements of `elementSize` bytes into `target` in one move, reversing each
    /// element's bytes on a big-endian host. (An element-wise generic load, not specialised across
    /// modules, cost a metadata lookup per element: decoding a recommend result took 20 ms.)
    private static func copy(_ slice: ArraySlice<UInt8>, into target: UnsafeMutableRawBufferPointer, elementSize: Int) {
        slice.withUnsafeBytes { raw in
            guard let source = raw.baseAddress, let base = target.baseAddress else { return }
            base.copyMemory(from: source, byteCount: raw.count)
            if 1.littleEndian != 1, elementSize > 1 {
                for start in stride(from: 0, to: raw.count, by: elementSize) {
                    var element = UnsafeMutableRawBufferPointer(rebasing: target[start..<start + elementSize])
                    element.reverse()
                }
            }
        }
    }

    /// Throws unless every byte was read.
    public func expectEnd() throws(OmnisegError) {
        guard isAtEnd else { throw failure("\(remaining) unexpected bytes after the end") }
    }

    /// A `.corrupt` error naming what is being decoded.
    public func failure(_ message: String) -> OmnisegError {
        OmnisegError(.corrupt, "cannot decode \(what): \(message)", context: [("offset", "\(offset)")])
    }

    private mutating func take(_ n: Int) throws(OmnisegError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= bytes.count - offset else {
            throw failure("needs \(n) more bytes, \(bytes.count - offset) left")
        }
        defer { offset += n }
        return bytes[offset..<offset + n]
    }

    private mutating func integer<T: FixedWidthInteger>() throws(OmnisegError) -> T {
        let slice = try take(MemoryLayout<T>.size)
        var value = T.zero
        withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: slice) }
        return T(littleEndian: value)
    }
}
