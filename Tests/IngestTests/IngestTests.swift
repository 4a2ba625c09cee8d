@testable import Ingest
@testable import OmnisegCore
@testable import TestSupport
import Testing
@testable import Workspace

@Suite struct IngestTests {
    static let header = "source,customer_id,timestamp,channel,store_id,order_id,sku,department,quantity,amount,discounted\n"

    func ingest(_ dir: TemporaryDirectory, _ name: String, _ bytes: [UInt8], _ options: IngestOptions) throws -> (IngestReport, Workspace) {
        let workspace = try dir.workspace()
        let file = dir.write(name, bytes)
        return (try Ingester(workspace: workspace, progressStyle: .silent).ingest(file: file, options: options), workspace)
    }

    func rejectedReasons(_ workspace: Workspace) throws -> [Int: String] {
        var out: [Int: String] = [:]
        for row in try workspace.db.rows("SELECT line, reason FROM rejected_row ORDER BY line") {
            out[Int(row[0].integer ?? 0)] = row[1].text ?? ""
        }
        return out
    }

    @Test func badRowsAreQuarantinedWithLineColumnAndReason() throws {
        let dir = TemporaryDirectory()
        var text = Self.header
        text += "pos,C1,2026-03-01T10:00:00Z,store,ST1,O1,SKU1,mens,1,19.99,0\n"          // 2 ok
        text += "pos,C1,2026-03-01T10:00:00Z,store,ST1,O1,SKU1,mens,1,19.99\n"            // 3 wrong field count
        text += "pos,C1,2026-02-30T10:00:00Z,store,ST1,O2,SKU1,mens,1,19.99,0\n"          // 4 bad date
        text += "pos,C1,2026-03-01T10:00:00Z,store,ST1,O3,SKU1,mens,1,-5.00,0\n"          // 5 negative amount
        text += "pos,C1,2026-03-01T10:00:00Z,store,ST1,O4,SKU1,mens,1,abc,0\n"            // 6 non-numeric amount
        text += "pos,C1,2026-03-01T10:00:00Z,teleport,ST1,O5,SKU1,mens,1,1.00,0\n"        // 7 bad channel
        text += "pos,C1,2026-03-01T10:00:00Z,web,,O6,SKU1,mens,0,1.00,0\n"                // 8 zero quantity
        text += "pos,,2026-03-01T10:00:00Z,web,,O7,SKU1,mens,1,1.00,0\n"                  // 9 empty customer id
        text += "pos,C1,2026-03-01T10:00:00Z,web,,O8,SKU1,mens,1,1.00,perhaps\n"          // 10 bad flag
        var bytes = Array(text.utf8)
        bytes += Array("pos,C\u{00}".utf8) + [0xFF, 0xFE] + Array(",2026-03-01,web,,O9,SKU1,mens,1,1.00,0\n".utf8) // 11 not UTF-8
        bytes += Array("web,W2,2026-03-01,app,,O10,SKU2,,,5,yes\n".utf8)                 // 12 ok with defaults
        let (report, workspace) = try ingest(dir, "t.csv", bytes, IngestOptions(kind: .transactions))

        #expect(report.rowsRead == 11)
        #expect(report.accepted == 2)
        #expect(report.rejected == 9)
        #expect(report.rowsRead == report.accepted + report.rejected)
        let reasons = try rejectedReasons(workspace)
        #expect(reasons.count == 9)
        #expect(reasons[3]?.contains("expected 11 fields as in the header, found 10") == true)
        #expect(reasons[4]?.hasPrefix("timestamp '2026-02-30T10:00:00Z' is not an ISO-8601") == true)
        #expect(reasons[5]?.hasPrefix("amount '-5.00' is negative") == true)
        #expect(reasons[6]?.hasPrefix("amount 'abc' is not a decimal amount") == true)
        #expect(reasons[7]?.hasPrefix("channel 'teleport' is not a channel") == true)
        #expect(reasons[8]?.hasPrefix("quantity '0'") == true)
        #expect(reasons[9] == "customer_id is empty; a value is required")
        #expect(reasons[10]?.hasPrefix("discounted 'perhaps' is not a flag") == true)
        #expect(reasons[11] == "customer_id is not valid UTF-8 text")
        let columns = try workspace.db.rows("SELECT column_name FROM rejected_row WHERE line = 5")
        #expect(columns.first?.first?.text == "amount")

        let defaults = try workspace.db.rows("SELECT quantity, amount_cents, discounted, department, order_id, channel FROM txn WHERE customer_id = 'W2'")
        #expect(defaults.first == [.integer(1), .integer(500), .integer(1), .text("unknown"), .text("O10"), .integer(Int64(Channel.app.rawValue))])
    }

    @Test func reingestingTheSameFileIsANoOp() throws {
        let dir = TemporaryDirectory()
        let text = Self.header + "pos,C1,2026-03-01T10:00:00Z,store,ST1,O1,SKU1,mens,1,19.99,0\npos,C1,bad,store,ST1,O1,SKU1,mens,1,19.99,0\n"
        let (first, workspace) = try ingest(dir, "t.csv", Array(text.utf8), IngestOptions(kind: .transactions))
        #expect(first.alreadyIngested == false)
        let second = try Ingester(workspace: workspace, progressStyle: .silent).ingest(file: dir.file("t.csv"), options: IngestOptions(kind: .transactions))
        #expect(second.alreadyIngested)
        #expect(second.accepted == 1 && second.rejected == 1)
        #expect(try workspace.count(.transactions) == 1)
        #expect(try workspace.count(.rejected) == 1)
        #expect(try workspace.count(.ingestFiles) == 1)
    }

    @Test func customerRecordsAreUpsertedBySourceAndID() throws {
        let dir = TemporaryDirectory()
        let header = "source,source_id,email,phone,loyalty_id,first_name,last_name,gender,birth_date,street,postcode,city\n"
        let (report, workspace) = try ingest(dir, "c.csv", Array((header + "pos,1,a@x.com,,,Ann,Lee,F,1980-01-02,\"1 Oak St, Apt 2\",123,Salem\npos,2,b@x.com,,,,,,,,,\npos,3,,,,,,Q,,,,\n").utf8),
                                              IngestOptions(kind: .customers))
        #expect(report.accepted == 3 && report.rejected == 0 && report.warnings == 1, "an unknown gender is left out, the record kept")
        let again = dir.write("c2.csv", header + "pos,1,new@x.com,,,Ann,Lee,female,,,,\n")
        _ = try Ingester(workspace: workspace, progressStyle: .silent).ingest(file: again, options: IngestOptions(kind: .customers))
        #expect(try workspace.count(.customers) == 3)
        #expect(try workspace.db.scalar("SELECT email FROM customer_record WHERE source_id = '1'")?.text == "new@x.com")
        #expect(try workspace.db.scalar("SELECT gender FROM customer_record WHERE source_id = '1'")?.text == "F")
    }

    @Test func aBadOptionalFieldIsLeftOutAndTheRecordKept() throws {
        let dir = TemporaryDirectory()
        let header = "source,source_id,email,gender,birth_date,city,house,street,apt,postcode,state,country\n"
        var bytes = Array((header + "crm,1,a@x.com,F,19560231,Salem,12,Oak St,Apt 2,97301,OR,US\n"
                           + "crm,2,b@x.com,Q,1956-02-03,Salem,,,,,,\n").utf8)
        bytes += Array("crm,3,c@x.com,M,,".utf8) + [0xFF, 0xFE] + Array(",,,,,,\n".utf8)
        bytes += Array("crm,,d@x.com,F,,,,,,,,\n".utf8)
        let options = IngestOptions(kind: .customers, columnMap: ["street_number": "house", "address_line_2": "apt", "region": "state"],
                                    dateFormat: "%Y%m%d")
        let (report, workspace) = try ingest(dir, "c.csv", bytes, options)
        // Before: the first three rows were rejected whole. A missing required field still rejects the row.
        #expect(report.rowsRead == 4 && report.accepted == 3 && report.rejected == 1 && report.warnings == 3)
        let warned = try workspace.db.rows("SELECT line, column_name, value FROM field_warning ORDER BY line")
        #expect(warned.map { "\($0[0].integer ?? 0) \($0[1].text ?? "") \($0[2].text ?? "")" } == ["2 birth_date 19560231", "3 gender Q", "4 city \u{FFFD}\u{FFFD}"])
        #expect(report.warningSamples.first?.reason.contains("left out") == true)
        let kept = try workspace.db.rows("""
            SELECT source_id, email, gender, birth_date, city, street_number, street, address_line_2, postcode, region, country
            FROM customer_record ORDER BY source_id
            """)
        #expect(kept[0] == [.text("1"), .text("a@x.com"), .text("F"), .null, .text("Salem"), .text("12"), .text("Oak St"), .text("Apt 2"),
                            .text("97301"), .text("OR"), .text("US")])
        #expect(kept[1][2] == .null && kept[1][3] == .text("1956-02-03"), "only the bad field is missing")
        #expect(kept[2][1] == .text("c@x.com") && kept[2][4] == .null)
        #expect(try workspace.db.scalar("SELECT warnings FROM ingest_file")?.integer == 3)
    }

    @Test func mapAndSetLoadASingleChannelPOSExport() throws {
        let dir = TemporaryDirectory()
        let text = "CUSTOMER_ID,TRANSACTION_DT,PRODUCT_ID,AMOUNT,SALES_PRICE,TILL\n"
            + "991,03/01/2026 12:30,P-1,2,24.50,7\n992,04/01/2026 09:00,P-2,1,5,8\n"
        let options = IngestOptions(kind: .transactions,
                                    columnMap: ["timestamp": "transaction_dt", "sku": "PRODUCT_ID", "amount": "SALES_PRICE", "quantity": "AMOUNT"],
                                    constants: ["channel": "store", "source": "pos"], dateFormat: "%d/%m/%Y %H:%M")
        let (report, workspace) = try ingest(dir, "pos.csv", Array(text.utf8), options)
        #expect(report.accepted == 2 && report.rejected == 0)
        #expect(report.ignoredColumns == ["TILL"])
        let rows = try workspace.db.rows("SELECT source, customer_id, ts, channel, sku, quantity, amount_cents FROM txn ORDER BY customer_id")
        #expect(rows[0] == [.text("pos"), .text("991"), .integer(TimestampParser.unixSeconds(year: 2026, month: 1, day: 3, hour: 12, minute: 30) ?? 0),
                            .integer(0), .text("P-1"), .integer(2), .integer(2450)])
    }

    @Test func headerProblemsNameTheFileAndWhatIsMissing() throws {
        let dir = TemporaryDirectory()
        let workspace = try dir.workspace()
        let ingester = Ingester(workspace: workspace, progressStyle: .silent)
        let missing = dir.write("m.csv", "customer_id,timestamp,sku\n1,2026-01-01,S\n")
        let error = #expect(throws: OmnisegError.self) { try ingester.ingest(file: missing, options: IngestOptions(kind: .transactions)) }
        #expect(error?.message.contains("lacks required transactions columns source, channel, amount") == true)
        #expect(error?.context.first?.value == missing)

        let empty = dir.write("e.csv", "")
        let emptyError = #expect(throws: OmnisegError.self) { try ingester.ingest(file: empty, options: IngestOptions(kind: .events)) }
        #expect(emptyError?.message.contains("the file is empty") == true)

        let badMap = dir.write("b.csv", "a,b\n")
        #expect(throws: OmnisegError.self) { try ingester.ingest(file: badMap, options: IngestOptions(kind: .events, columnMap: ["colour": "a"])) }
        #expect(throws: OmnisegError.self) { try ingester.ingest(file: dir.file("nope.csv"), options: IngestOptions(kind: .events)) }
        #expect(try workspace.count(.ingestFiles) == 0, "a failed file leaves nothing behind")
    }

    @Test func headerOnlyFileIsZeroRows() throws {
        let dir = TemporaryDirectory()
        let (report, _) = try ingest(dir, "h.csv", Array("source,customer_id,timestamp,event\n".utf8), IngestOptions(kind: .events))
        #expect(report.rowsRead == 0 && report.accepted == 0 && report.rejected == 0)
    }

    @Test func veryLongFieldIsRejectedNotLoaded() throws {
        let dir = TemporaryDirectory()
        let long = String(repeating: "z", count: 2 << 20)
        let text = "source,customer_id,timestamp,event\nweb,1,2026-01-01,view\nweb,\(long),2026-01-01,view\nweb,2,2026-01-01,login\n"
        let (report, workspace) = try ingest(dir, "l.csv", Array(text.utf8), IngestOptions(kind: .events))
        #expect(report.rowsRead == 3 && report.accepted == 2 && report.rejected == 1)
        #expect(try rejectedReasons(workspace)[3]?.contains("longer than") == true)
    }

    @Test func randomBytesNeverCrashAndCountsReconcile() throws {
        var rng = SplitMix64(seed: 99)
        for round in 0..<20 {
            let dir = TemporaryDirectory()
            var bytes = Array("source,customer_id,timestamp,event,sku,department\n".utf8)
            let alphabet: [UInt8] = Array("web,1,2026-01-01T00:00:00Z,view,\"\n\r x".utf8) + [0, 0xFF, 0xC3, 0xA9, 0xEF, 0xBB, 0xBF]
            for _ in 0..<(2000 + round * 500) { bytes.append(rng.chance(0.7) ? alphabet[rng.below(alphabet.count)] : UInt8(truncatingIfNeeded: rng.next())) }
            let (report, workspace) = try ingest(dir, "r.csv", bytes, IngestOptions(kind: .events))
            #expect(report.rowsRead == report.accepted + report.rejected)
            #expect(try workspace.count(.events) == report.accepted)
            #expect(try workspace.count(.rejected) == report.rejected)
        }
    }
}

import Foundation
