@testable import TestSupport
import Testing

@Suite struct CSVReaderTests {
    @Test func quotedFieldsKeepCommasQuotesAndNewlines() throws {
        let dir = TemporaryDirectory()
        let file = dir.write("a.csv", "a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\nplain,,end\n")
        let records = try readCSV(file)
        #expect(records.count == 3)
        #expect(records[1].fields == ["x, y", "say \"hi\"", "two\nlines"])
        #expect(records[1].problem == nil)
        #expect(records[2].line == 4, "the record after a quoted newline starts on physical line 4")
        #expect(records[2].fields == ["plain", "", "end"])
    }

    @Test func byteOrderMarkAndCRLFAreHandled() throws {
        let dir = TemporaryDirectory()
        let file = dir.write("a.csv", [0xEF, 0xBB, 0xBF] + Array("id,name\r\n1,Ann\r\n2,\"B\r\nob\"\r\n".utf8))
        let records = try readCSV(file)
        #expect(records.map(\.fields) == [["id", "name"], ["1", "Ann"], ["2", "B\r\nob"]])
    }

    @Test func trailingCommaMeansAnEmptyLastField() throws {
        let dir = TemporaryDirectory()
        let records = try readCSV(dir.write("a.csv", "a,b\n1,\n"))
        #expect(records[1].fields == ["1", ""])
    }

    @Test func blankLinesAreNotRecords() throws {
        let dir = TemporaryDirectory()
        let records = try readCSV(dir.write("a.csv", "a\n\n1\n\r\n2"))
        #expect(records.map(\.fields) == [["a"], ["1"], ["2"]])
        #expect(records.map(\.line) == [1, 3, 5])
    }

    @Test func unterminatedQuoteIsReportedNotFatal() throws {
        let dir = TemporaryDirectory()
        let records = try readCSV(dir.write("a.csv", "a,b\n1,\"open\n2,3\n"))
        #expect(records.count == 2)
        #expect(records[1].problem?.contains("not closed") == true)
    }

    @Test func junkAfterClosingQuoteIsReported() throws {
        let dir = TemporaryDirectory()
        let records = try readCSV(dir.write("a.csv", "a,b\n\"x\"y,2\n3,4\n"))
        #expect(records[1].problem?.contains("after the closing quote") == true)
        #expect(records[2].fields == ["3", "4"])
    }

    @Test func overlongRecordIsRejectedAndReadingResumes() throws {
        let dir = TemporaryDirectory()
        let long = String(repeating: "x", count: 5000)
        let records = try readCSV(dir.write("a.csv", "a,b\n1,\(long)\n2,ok\n"), maxRecordBytes: 1000, chunkBytes: 64 << 10)
        #expect(records.count == 3)
        #expect(records[1].problem?.contains("longer than 1000 bytes") == true)
        #expect(records[2].fields == ["2", "ok"])
        #expect(records[2].line == 3)
    }

    @Test func recordsSpanningBufferRefillsAreIntact() throws {
        let dir = TemporaryDirectory()
        var text = "id,payload\n"
        for i in 0..<5000 { text += "\(i),\"value \(i), with comma\"\n" }
        let records = try readCSV(dir.write("a.csv", text), chunkBytes: 64 << 10)
        #expect(records.count == 5001)
        #expect(records[4321].fields == ["4320", "value 4320, with comma"])
    }
}
