/// An open-addressing set of non-zero 64-bit values (e.g. hashes of order keys). Not thread-safe.
package struct UInt64Set {
    private var slots: [UInt64]
    private var mask: Int
    private(set) var count = 0

    package init(capacity: Int = 1024) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = Array(repeating: 0, count: size)
        mask = size - 1
    }

    /// Inserts `value` (0 is mapped to 1); returns true when it was not present.
    @inline(__always)
    package mutating func insert(_ value: UInt64) -> Bool {
        let v = value == 0 ? 1 : value
        if count * 2 >= slots.count { grow() }
        var slot = Int(truncatingIfNeeded: v ^ (v >> 29)) & mask
        while true {
            let s = slots[slot]
            if s == 0 { slots[slot] = v; count += 1; return true }
            if s == v { return false }
            slot = (slot + 1) & mask
        }
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for v in old where v != 0 {
            var slot = Int(truncatingIfNeeded: v ^ (v >> 29)) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = v
        }
    }
}
