import OmnisegCore

/// The versioned envelope around every binary message and partial result on the queue.
///
/// Layout (little-endian): magic `OMSQ` · format version u16 · message type u8 · reserved u8 ·
/// payload length u32 · payload · XXH64 of everything before it (u64). A frame of an unknown version
/// or type, a wrong length, a payload over the type's limit or a bad checksum is refused with
/// `.corrupt` and a message saying which; decoding never traps.
public struct WireFrame: Sendable, Equatable {
    /// What a frame holds, each with its own size limit.
    public enum MessageType: UInt8, Sendable, CaseIterable {
        case task = 1
        case partial = 2
        case jobSpec = 3
        case iterationState = 4
        case jobResult = 5
        // 6 was a blob manifest type; blobs are marked by a plain key instead. Do not reuse it.
        case jobPlan = 7

        /// The largest payload accepted for this type.
        public var payloadLimit: Int {
            switch self {
            case .task: return 64 << 10
            case .jobSpec: return 1 << 20
            case .jobPlan: return 16 << 20
            case .partial, .iterationState, .jobResult: return 256 << 20
            }
        }
    }

    public static let magic: [UInt8] = Array("OMSQ".utf8)
    /// The format version this build writes. Version 3 added the inline iteration state to task
    /// messages; it reads version 2 frames too (the same framing), so results stored by the release
    /// before still decode.
    public static let version: UInt16 = 3
    /// The format versions this build reads.
    public static let readableVersions: ClosedRange<UInt16> = 2...3
    static let headerSize = 12

    public var type: MessageType
    public var payload: [UInt8]

    public init(_ type: MessageType, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }

    /// The framed bytes.
    public var encoded: [UInt8] {
        var writer = WireWriter(capacity: payload.count + 20)
        writer.raw(Self.magic)
        writer.u16(Self.version)
        writer.u8(type.rawValue)
        writer.u8(0)
        writer.count(payload.count)
        writer.raw(payload)
        let sum = writer.bytes.withUnsafeBytes { Checksum64.of($0) }
        writer.u64(sum)
        return writer.bytes
    }

    /// Decodes a frame, expecting `expected` as its type.
    public static func decode(_ bytes: [UInt8], expecting expected: MessageType) throws(OmnisegError) -> WireFrame {
        let what = "a \(expected) message"
        guard bytes.count >= headerSize + 8 else {
            throw OmnisegError(.corrupt, "cannot decode \(what): \(bytes.count) bytes is shorter than a frame header")
        }
        guard Array(bytes[0..<4]) == magic else {
            throw OmnisegError(.corrupt, "cannot decode \(what): it does not start with the Omniseg wire magic")
        }
        var reader = WireReader(bytes, what: what)
        _ = try reader.u32()
        let version = try reader.u16()
        guard Self.readableVersions.contains(version) else {
            throw OmnisegError(.corrupt, "cannot decode \(what): wire format version \(version) is not understood by this build (it reads version \(Self.version)); run the same Omniseg version on coordinator and workers")
        }
        let rawType = try reader.u8()
        guard let type = MessageType(rawValue: rawType) else {
            throw OmnisegError(.corrupt, "cannot decode \(what): unknown message type \(rawType)")
        }
        guard type == expected else {
            throw OmnisegError(.corrupt, "cannot decode \(what): the frame holds a \(type) message")
        }
        _ = try reader.u8()
        let length = Int(try reader.u32())
        guard length <= type.payloadLimit else {
            throw OmnisegError(.corrupt, "cannot decode \(what): payload of \(length) bytes exceeds the limit of \(type.payloadLimit)")
        }
        guard bytes.count == headerSize + length + 8 else {
            throw OmnisegError(.corrupt, "cannot decode \(what): the frame says \(length) payload bytes but holds \(bytes.count - headerSize - 8)")
        }
        let computed = bytes.withUnsafeBytes { Checksum64.of(UnsafeRawBufferPointer(rebasing: $0[0..<(headerSize + length)])) }
        var tail = WireReader(Array(bytes[(headerSize + length)...]), what: what)
        let stored = try tail.u64()
        guard computed == stored else {
            throw OmnisegError(.corrupt, "cannot decode \(what): checksum mismatch (the message was damaged)")
        }
        return WireFrame(type, payload: Array(bytes[headerSize..<(headerSize + length)]))
    }
}
