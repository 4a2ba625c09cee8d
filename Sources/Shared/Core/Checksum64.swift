/// XXH64, the 64-bit xxHash: a fast non-cryptographic checksum for files and shards.
///
/// Streaming: feed bytes with ``update(_:)`` in any split, then read ``digest``. Same bytes → same value
/// on every platform (little-endian reads).
public struct Checksum64: Sendable {
    private static let p1: UInt64 = 11_400_714_785_074_694_791
    private static let p2: UInt64 = 14_029_467_366_897_019_727
    private static let p3: UInt64 = 1_609_587_929_392_839_161
    private static let p4: UInt64 = 9_650_029_242_287_828_579
    private static let p5: UInt64 = 2_870_177_450_012_600_261

    private var v1: UInt64, v2: UInt64, v3: UInt64, v4: UInt64
    private let seed: UInt64
    private var total: UInt64 = 0
    private var pending: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var pendingCount = 0

    /// A checksum state with `seed` (0 unless a caller needs distinct streams).
    public init(seed: UInt64 = 0) {
        self.seed = seed
        v1 = seed &+ Self.p1 &+ Self.p2
        v2 = seed &+ Self.p2
        v3 = seed
        v4 = seed &- Self.p1
    }

    /// The checksum of one buffer.
    public static func of(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var state = Checksum64(seed: seed)
        state.update(bytes)
        return state.digest
    }

    @inline(__always) private static func round(_ acc: UInt64, _ lane: UInt64) -> UInt64 {
        var acc = acc &+ lane &* p2
        acc = (acc << 31) | (acc >> 33)
        return acc &* p1
    }

    @inline(__always) private static func merge(_ acc: UInt64, _ v: UInt64) -> UInt64 {
        (acc ^ round(0, v)) &* p1 &+ p4
    }

    /// Adds bytes to the checksum.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        total &+= UInt64(bytes.count)
        var offset = 0
        let count = bytes.count
        if pendingCount > 0 {
            withUnsafeMutableBytes(of: &pending) { stash in
                let take = min(32 - pendingCount, count)
                stash.baseAddress!.advanced(by: pendingCount).copyMemory(from: base, byteCount: take)
                offset = take
            }
            pendingCount += offset
            if pendingCount < 32 { return }
            v1 = Self.round(v1, UInt64(littleEndian: pending.0))
            v2 = Self.round(v2, UInt64(littleEndian: pending.1))
            v3 = Self.round(v3, UInt64(littleEndian: pending.2))
            v4 = Self.round(v4, UInt64(littleEndian: pending.3))
            pendingCount = 0
        }
        while offset + 32 <= count {
            let p = base + offset
            v1 = Self.round(v1, UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))
            v2 = Self.round(v2, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            v3 = Self.round(v3, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)))
            v4 = Self.round(v4, UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
            offset += 32
        }
        if offset < count {
            let rest = count - offset
            withUnsafeMutableBytes(of: &pending) { stash in
                stash.baseAddress!.copyMemory(from: base + offset, byteCount: rest)
            }
            pendingCount = rest
        }
    }

    /// The checksum of everything added so far.
    public var digest: UInt64 {
        var h: UInt64
        if total >= 32 {
            h = ((v1 << 1) | (v1 >> 63)) &+ ((v2 << 7) | (v2 >> 57)) &+ ((v3 << 12) | (v3 >> 52)) &+ ((v4 << 18) | (v4 >> 46))
            h = Self.merge(h, v1)
            h = Self.merge(h, v2)
            h = Self.merge(h, v3)
            h = Self.merge(h, v4)
        } else {
            h = seed &+ Self.p5
        }
        h &+= total
        var stash = pending
        let count = pendingCount
        return withUnsafeBytes(of: &stash) { rest -> UInt64 in
            var i = 0
            while i + 8 <= count {
                h ^= Self.round(0, UInt64(littleEndian: rest.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                h = ((h << 27) | (h >> 37)) &* Self.p1 &+ Self.p4
                i += 8
            }
            if i + 4 <= count {
                h ^= UInt64(UInt32(littleEndian: rest.loadUnaligned(fromByteOffset: i, as: UInt32.self))) &* Self.p1
                h = ((h << 23) | (h >> 41)) &* Self.p2 &+ Self.p3
                i += 4
            }
            while i < count {
                h ^= UInt64(rest[i]) &* Self.p5
                h = ((h << 11) | (h >> 53)) &* Self.p1
                i += 1
            }
            h ^= h >> 33
            h &*= Self.p2
            h ^= h >> 29
            h &*= Self.p3
            h ^= h >> 32
            return h
        }
    }

    /// The digest as 16 lowercase hex digits.
    public var hexDigest: String {
        let s = String(digest, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
