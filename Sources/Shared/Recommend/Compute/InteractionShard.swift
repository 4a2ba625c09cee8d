import OmnisegCore

/// What a person did with an item.
public enum InteractionAction: UInt8, CaseIterable, Sendable, CustomStringConvertible {
    case storePurchase = 0
    case onlinePurchase = 1
    case view = 2
    case cartAdd = 3

    public var isPurchase: Bool { self == .storePurchase || self == .onlinePurchase }

    public var description: String {
        switch self {
        case .storePurchase: return "store purchase"
        case .onlinePurchase: return "online purchase"
        case .view: return "view"
        case .cartAdd: return "cart-add"
        }
    }
}

/// The interactions of the people of one feature shard (rows `rowStart ..< rowStart + rowCount`),
/// each person's oldest first: a compressed-sparse-row layout of item ids, actions and days.
///
/// This is the per-shard data of the `recommend` job (``JobPreparation/taskData``): made where the
/// workspace is, shipped to workers as a blob beside the feature shard.
public struct InteractionShard: Sendable, Equatable {
    public var rowStart: Int
    /// `offsets[r] ..< offsets[r + 1]` are row r's interactions; `rowCount + 1` entries.
    public var offsets: [UInt32]
    public var items: [UInt32]
    public var actions: [UInt8]
    /// Days since 1970-01-01 (UTC).
    public var days: [Int32]

    public init(rowStart: Int, offsets: [UInt32], items: [UInt32], actions: [UInt8], days: [Int32]) {
        self.rowStart = rowStart
        self.offsets = offsets
        self.items = items
        self.actions = actions
        self.days = days
    }

    public var rowCount: Int { offsets.count - 1 }
    public var interactionCount: Int { items.count }

    /// The interactions of row `r` (shard-relative) as an index range into the arrays.
    @inline(__always)
    public func range(ofRow r: Int) -> Range<Int> { Int(offsets[r])..<Int(offsets[r + 1]) }

    static let magic: [UInt8] = Array("OMINTR".utf8)
    static let version: UInt16 = 1

    /// The versioned binary form (little-endian).
    public var encoded: [UInt8] {
        var writer = WireWriter(capacity: 32 + offsets.count * 4 + items.count * 9)
        writer.raw(Self.magic)
        writer.u16(Self.version)
        writer.u64(UInt64(rowStart))
        writer.count(rowCount)
        writer.count(items.count)
        writer.integers(offsets)
        writer.integers(items)
        writer.integers(actions)
        writer.integers(days)
        return writer.bytes
    }

    /// Decodes and validates (offsets increasing, items below `itemCount`, known actions).
    public init(decoding bytes: [UInt8], itemCount: Int) throws(OmnisegError) {
        var reader = WireReader(bytes, what: "interaction shard")
        guard try reader.bytes(Self.magic.count) == Self.magic else { throw reader.failure("not an interaction shard") }
        let version = try reader.u16()
        guard version == Self.version else { throw reader.failure("interaction shard version \(version) is not understood (this build reads \(Self.version))") }
        rowStart = Int(try reader.u64() & 0xFFFF_FFFF_FFFF)
        let rows = try reader.count(limit: 1 << 26)
        let count = try reader.count(limit: 1 << 31)
        offsets = try reader.integers(rows + 1, of: UInt32.self)
        items = try reader.integers(count, of: UInt32.self)
        actions = try reader.bytes(count)
        days = try reader.integers(count, of: Int32.self)
        try reader.expectEnd()
        guard offsets.first == 0, offsets.last.map(Int.init) == count else { throw reader.failure("offsets do not span the \(count) interactions") }
        for r in 0..<rows where offsets[r] > offsets[r + 1] { throw reader.failure("offsets decrease at row \(r)") }
        let limit = UInt32(clamping: itemCount)
        for i in 0..<count {
            guard items[i] < limit else { throw reader.failure("item \(items[i]) at interaction \(i) is not below the \(itemCount) items") }
            guard actions[i] < 4 else { throw reader.failure("action \(actions[i]) at interaction \(i) is not one of 0 to 3") }
        }
    }
}
