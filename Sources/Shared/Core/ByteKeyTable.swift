/// A hash table from byte-string keys (one or two parts) to `Int32` values, for hot lookups of ids
/// read straight from SQLite or CSV bytes without making `String`s.
///
/// Open addressing with linear probing; keys live in one byte arena. Not thread-safe.
public struct ByteKeyTable {
    private var arena: [UInt8] = []
    private var offsets: [Int] = []
    private var lengths: [Int32] = []
    private var hashes: [UInt64] = []
    private var values: [Int32] = []
    private var slots: [Int32]
    private var mask: Int

    /// A table sized for about `capacity` keys (it grows as needed).
    public init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: -1, count: size)
        mask = size - 1
    }

    /// The number of keys.
    public var count: Int { values.count }

    @inline(__always)
    private static func hash(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in a { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        h = (h ^ 0x1F) &* 0x100_0000_01B3
        for byte in b { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
        h ^= h >> 33
        h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        return h
    }

    @inline(__always)
    private func matches(_ entry: Int, _ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let length = Int(lengths[entry])
        guard length == a.count + 1 + b.count else { return false }
        return arena.withUnsafeBufferPointer { bytes in
            let start = offsets[entry]
            for i in 0..<a.count where bytes[start + i] != a[i] { return false }
            if bytes[start + a.count] != 0x1F { return false }
            let bStart = start + a.count + 1
            for i in 0..<b.count where bytes[bStart + i] != b[i] { return false }
            return true
        }
    }

    /// The value stored for the key `a` ␟ `b`, or nil.
    @inline(__always)
    public func find(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) -> Int32? {
        let h = Self.hash(a, b)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = slots[slot]
            if entry < 0 { return nil }
            if hashes[Int(entry)] == h && matches(Int(entry), a, b) { return values[Int(entry)] }
            slot = (slot + 1) & mask
        }
    }

    /// Inserts the key with `value` unless present; returns the value now stored and whether it was inserted.
    @discardableResult
    public mutating func insert(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0), value: Int32) -> (value: Int32, inserted: Bool) {
        if values.count * 2 >= slots.count { grow() }
        let h = Self.hash(a, b)
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let entry = slots[slot]
            if entry < 0 { break }
            if hashes[Int(entry)] == h && matches(Int(entry), a, b) { return (values[Int(entry)], false) }
            slot = (slot + 1) & mask
        }
        slots[slot] = Int32(values.count)
        offsets.append(arena.count)
        lengths.append(Int32(a.count + 1 + b.count))
        arena.append(contentsOf: a)
        arena.append(0x1F)
        arena.append(contentsOf: b)
        hashes.append(h)
        values.append(value)
        return (value, true)
    }

    /// Inserts `a` ␟ `b` given as strings.
    @discardableResult
    public mutating func insert(_ a: String, _ b: String = "", value: Int32) -> (value: Int32, inserted: Bool) {
        var a = a, b = b
        return a.withUTF8 { pa in b.withUTF8 { pb in insert(UnsafeRawBufferPointer(pa), UnsafeRawBufferPointer(pb), value: value) } }
    }

    /// Looks up `a` ␟ `b` given as strings.
    public func find(_ a: String, _ b: String = "") -> Int32? {
        var a = a, b = b
        return a.withUTF8 { pa in b.withUTF8 { pb in find(UnsafeRawBufferPointer(pa), UnsafeRawBufferPointer(pb)) } }
    }

    private mutating func grow() {
        slots = Array(repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for entry in 0..<values.count {
            var slot = Int(truncatingIfNeeded: hashes[entry]) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(entry)
        }
    }
}
