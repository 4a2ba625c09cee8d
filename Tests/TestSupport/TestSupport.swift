import Foundation
import Ingest
import Workspace

/// A fresh temporary folder for one test, removed when the value is released.
final class TemporaryDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "omniseg-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` inside the folder and returns its path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        let file = (path as NSString).appendingPathComponent(name)
        FileManager.default.createFile(atPath: file, contents: Data(bytes))
        return file
    }

    @discardableResult
    func write(_ name: String, _ text: String) -> String { write(name, Array(text.utf8)) }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func workspace() throws -> Workspace { try Workspace(path: file("workspace.sqlite")) }
}

/// Reads every record of a CSV file as (line, fields, problem).
func readCSV(_ path: String, maxRecordBytes: Int = 1 << 20, chunkBytes: Int = 64 << 10) throws -> [(line: Int, fields: [String], problem: String?)] {
    let reader = try CSVReader(path: path, maxRecordBytes: maxRecordBytes, chunkBytes: chunkBytes)
    var out: [(Int, [String], String?)] = []
    try reader.forEachRecord { (record: borrowing CSVRecord) -> Bool in
        out.append((record.line, (0..<record.count).map { record.string($0) }, record.problem))
        return true
    }
    return out
}

extension String {
    /// The UTF-8 bytes of the string as a raw buffer, for parser calls.
    func withBytes<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
        var copy = self
        return copy.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }
}
