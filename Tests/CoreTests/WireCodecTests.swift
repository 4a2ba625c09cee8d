import OmnisegCore
import Testing

@Suite struct WireCodecTests {
    @Test func integersFloatsAndStringsRoundTripAtTheirWidths() throws {
        var writer = WireWriter(capacity: 0)
        let u16s: [UInt16] = [0, 1, 0xBEEF, .max], u64s: [UInt64] = [0, 0x0102_0304_0506_0708, .max]
        let floats: [Float] = [0, -1.5, .infinity, .leastNonzeroMagnitude]
        writer.integers(u16s)
        writer.integers(u64s)
        writer.integers([UInt32]())
        writer.f32s(floats)
        writer.string("Zoë 🛒")
        let bytes = writer.bytes
        // Little-endian on the wire whatever the host: the u16 0xBEEF is EF BE.
        #expect(Array(bytes[4..<6]) == [0xEF, 0xBE])
        var reader = WireReader(bytes, what: "test record")
        #expect(try reader.integers(4, of: UInt16.self) == u16s)
        #expect(try reader.integers(3, of: UInt64.self) == u64s)
        #expect(try reader.integers(0, of: UInt32.self) == [])
        #expect(try reader.f32s(4).map(\.bitPattern) == floats.map(\.bitPattern))
        #expect(try reader.string() == "Zoë 🛒")
        try reader.expectEnd()
    }

    @Test func invalidUTF8AndShortInputAreRefusedByName() throws {
        for invalid: [UInt8] in [[0xFF], [0xC3], [0x61, 0xED, 0xA0, 0x80], [0xEF, 0xBF]] {
            var writer = WireWriter(capacity: 0)
            writer.blob(invalid)
            var reader = WireReader(writer.bytes, what: "test record")
            let error = #expect(throws: OmnisegError.self) { _ = try reader.string() }
            #expect(error?.message.contains("test record") == true && error?.message.contains("UTF-8") == true)
        }
        // U+FFFD written on purpose is text, not a repair.
        var writer = WireWriter(capacity: 0)
        writer.string("a\u{FFFD}b")
        var reader = WireReader(writer.bytes, what: "test record")
        #expect(try reader.string() == "a\u{FFFD}b")
        var short = WireReader([1, 2, 3], what: "test record")
        #expect(throws: OmnisegError.self) { _ = try short.integers(1, of: UInt64.self) }
        #expect(throws: OmnisegError.self) { _ = try short.f32s(1) }
    }
}
