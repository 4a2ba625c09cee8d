/// The name and version of one binary encoding: a job kind's iteration state, partial or result, or a
/// table partition.
///
/// Every payload encoded with it starts with a header (magic `OCD`+0xC5 · name length u8 · name ·
/// version u16), and decoding checks that header before anything else. So bytes written by another
/// build (a worker left on an older release, a result stored before a format change) are refused with
/// a message that names both versions, instead of being misread as this build's layout.
public struct CodecTag: Sendable, Equatable, CustomStringConvertible {
    public static let magic: [UInt8] = [0x4F, 0x43, 0x44, 0xC5]
    static let maxNameBytes = 64

    /// What the bytes are, for example `cluster.state`.
    public let name: String
    /// The layout version this build writes and reads.
    public let version: UInt16

    public init(_ name: String, version: UInt16) {
        precondition(!name.isEmpty && name.utf8.count <= Self.maxNameBytes, "codec name '\(name)' must be 1 to 64 bytes")
        self.name = name
        self.version = version
    }

    public var description: String { "\(name) v\(version)" }

    /// The header this tag writes.
    public var header: [UInt8] {
        var writer = WireWriter(capacity: 8 + name.utf8.count)
        writer.raw(Self.magic)
        writer.u8(UInt8(name.utf8.count))
        writer.raw(Array(name.utf8))
        writer.u16(version)
        return writer.bytes
    }

    /// `body` behind this tag's header.
    public func encode(_ body: [UInt8]) -> [UInt8] {
        var bytes = header
        bytes.append(contentsOf: body)
        return bytes
    }

    /// Whether `bytes` start with some codec header (of any name or version).
    public static func isTagged(_ bytes: [UInt8]) -> Bool {
        bytes.count >= magic.count && bytes[0..<magic.count].elementsEqual(magic)
    }

    /// The body of `bytes`, after checking they carry this tag's name and version; throws `.corrupt`
    /// saying what they carry instead.
    public func decode(_ bytes: [UInt8]) throws(OmnisegError) -> [UInt8] {
        let header = self.header
        if bytes.count >= header.count, bytes[0..<header.count].elementsEqual(header) {
            return Array(bytes[header.count...])
        }
        throw OmnisegError(.corrupt, "cannot decode \(name): " + Self.describeMismatch(bytes, expected: self))
    }

    private static func describeMismatch(_ bytes: [UInt8], expected: CodecTag) -> String {
        guard isTagged(bytes) else { return "the bytes carry no codec header (expected \(expected))" }
        var reader = WireReader(Array(bytes[magic.count...]), what: expected.name)
        guard let length = try? reader.u8(), let name = try? reader.bytes(Int(length)), let version = try? reader.u16() else {
            return "the codec header is cut short (expected \(expected))"
        }
        let found = String(decoding: name, as: UTF8.self)
        guard found == expected.name else { return "the bytes hold \(found) v\(version), not \(expected)" }
        return "the bytes are \(found) version \(version), and this build reads version \(expected.version); "
            + (version > expected.version ? "they were written by a newer Omniseg: run the same version everywhere"
                                          : "they were written by an older Omniseg: run the job again")
    }
}
