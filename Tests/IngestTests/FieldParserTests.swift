@testable import Ingest
@testable import OmnisegCore
@testable import TestSupport
import Testing

@Suite struct FieldParserTests {
    @Test(arguments: [("12", 1200), ("12.5", 1250), ("0.99", 99), (".5", 50), ("-3.99", -399), ("1.005", 101), ("+7", 700)] as [(String, Int64)])
    func decimalAmountsParseToCents(text: String, cents: Int64) {
        #expect(text.withBytes { FieldParsers.cents($0) } == cents)
    }

    @Test(arguments: ["", "abc", "1.2.3", "12a", ".", "-", "1e5", "1234567890123456"])
    func nonDecimalsAreRejected(text: String) {
        #expect(text.withBytes { FieldParsers.cents($0) } == nil)
    }

    @Test func booleansAcceptCommonSpellings() {
        for t in ["1", "true", "TRUE", "t", "yes", "Y"] { #expect(t.withBytes { FieldParsers.boolean($0) } == true, "\(t)") }
        for f in ["0", "false", "F", "no", "n", ""] { #expect(f.withBytes { FieldParsers.boolean($0) } == false, "\(f)") }
        for bad in ["2", "maybe", "\u{11}"] { #expect(bad.withBytes { FieldParsers.boolean($0) } == nil, "\(bad)") }
    }

    @Test func integersRejectOverflowAndJunk() {
        #expect("42".withBytes { FieldParsers.integer($0) } == 42)
        #expect("-7".withBytes { FieldParsers.integer($0) } == -7)
        #expect("99999999999999999999".withBytes { FieldParsers.integer($0) } == nil)
        #expect("4 2".withBytes { FieldParsers.integer($0) } == nil)
    }

    @Test func utf8ValidationRejectsMalformedSequences() {
        let cases: [([UInt8], Bool)] = [
            (Array("plain".utf8), true), (Array("café ✓ 😀".utf8), true),
            ([0xFF], false), ([0xC0, 0x80], false), ([0xE2, 0x82], false), ([0xED, 0xA0, 0x80], false), ([0xF4, 0x90, 0x80, 0x80], false),
        ]
        for (bytes, valid) in cases {
            #expect(bytes.withUnsafeBytes { FieldParsers.isValidUTF8($0) } == valid, "\(bytes)")
        }
    }

    @Test func isoTimestampsInAllCommonForms() {
        let base = TimestampParser.unixSeconds(year: 2026, month: 3, day: 1, hour: 12, minute: 34, second: 56)
        #expect(base == 1_772_368_496)
        let parser = TimestampParser.iso8601
        #expect(parser.parse("2026-03-01T12:34:56Z") == base)
        #expect(parser.parse("2026-03-01 12:34:56") == base)
        #expect(parser.parse("2026-03-01T12:34:56.789Z") == base)
        #expect(parser.parse("2026-03-01T13:34:56+01:00") == base)
        #expect(parser.parse("2026-03-01T07:34:56-0500") == base)
        #expect(parser.parse("2026-03-01") == TimestampParser.unixSeconds(year: 2026, month: 3, day: 1))
        #expect(parser.parse("2026-03-01T12:34") == base.map { $0 - 56 })
    }

    @Test(arguments: ["2026-02-30", "2026-13-01", "2026-03-01T25:00:00", "26-03-01", "2026/03/01", "2026-03-01Tnoon", "", "2026-03-01T12:34:56+99:00"])
    func impossibleOrMalformedTimestampsAreRejected(text: String) {
        #expect(TimestampParser.iso8601.parse(text) == nil)
    }

    @Test func customDateFormats() throws {
        let parser = try TimestampParser(format: "%d/%m/%Y %H:%M")
        #expect(parser.parse("1/3/2026 12:34") == TimestampParser.unixSeconds(year: 2026, month: 3, day: 1, hour: 12, minute: 34))
        #expect(parser.parse("31/02/2026 00:00") == nil)
        #expect(parser.parse("1/3/2026") == nil)
        #expect(throws: OmnisegError.self) { try TimestampParser(format: "%Q") }
        #expect(throws: OmnisegError.self) { try TimestampParser(format: "%H:%M") }
    }

    @Test func civilDatesRoundTrip() {
        for day in stride(from: -30_000, through: 60_000, by: 997) {
            let (y, m, d) = CivilDate.civilFromDays(day)
            #expect(CivilDate.daysFromCivil(year: y, month: m, day: d) == day)
        }
        #expect(CivilDate.isoDate(unixSeconds: 1_772_368_496) == "2026-03-01")
    }
}
