import Glibc
import OmnisegCore
#if canImport(Glibc)
#elseif canImport(Darwin)
import Darwin
#endif

/// A streaming RFC 4180 CSV reader over a file: quoted fields with commas, quotes (`""`) and newlines,
/// a UTF-8 byte-order mark, LF or CRLF line ends, and a bound on record size.
///
/// Records are handed to a closure as byte ranges into the reader's buffer, valid only during the call.
/// It never fails on content: a malformed record (unterminated quote, junk after a closing quote, a
/// record longer than ``maxRecordBytes``) is reported as a ``CSVRecord`` with a `problem`, and reading
/// resumes at the next line. Blank lines are skipped and are not records.
public final class CSVReader {
    /// The largest record accepted, in bytes.
    public let maxRecordBytes: Int
    /// The file being read.
    public let path: String
    /// Bytes consumed so far (for progress).
    public private(set) var bytesConsumed: Int = 0

    private let fd: Int32
    private var buffer: UnsafeMutableRawBufferPointer
    private var head = 0
    private var tail = 0
    private var atEOF = false
    private var nextLine = 1
    private var fields: [UnsafeRawBufferPointer] = []
    /// Holds unescaped copies of quoted fields that contained `""`, so the raw record stays intact.
    private var scratch: UnsafeMutableRawBufferPointer
    private var skippedBOM = false

    /// Opens `path` for reading.
    public init(path: String, maxRecordBytes: Int = 1 << 20, chunkBytes: Int = 4 << 20) throws(OmnisegError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw OmnisegError(.io, "cannot open file: \(String(cString: strerror(errno)))", context: [("file", path)])
        }
        var info = stat()
        if fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw OmnisegError(.io, "is a folder, not a file", context: [("file", path)])
        }
        self.fd = fd
        self.path = path
        self.maxRecordBytes = maxRecordBytes
        self.buffer = .allocate(byteCount: max(chunkBytes, 64 << 10), alignment: 64)
        self.scratch = .allocate(byteCount: 64 << 10, alignment: 16)
    }

    deinit {
        close(fd)
        buffer.deallocate()
        scratch.deallocate()
    }

    /// Calls `body` for each record in order; stops early if `body` returns false.
    public func forEachRecord(_ body: (borrowing CSVRecord) throws(OmnisegError) -> Bool) throws(OmnisegError) {
        while true {
            guard let (start, end, newlines, problem) = try nextRecordBounds() else { return }
            let line = nextLine
            nextLine += newlines
            if problem == nil && end == start { continue }  // blank line
            var recordProblem = problem
            if recordProblem == nil {
                recordProblem = splitFields(start: start, end: end)
            }
            if recordProblem != nil { fields.removeAll(keepingCapacity: true) }
            let raw = UnsafeRawBufferPointer(start: buffer.baseAddress! + start, count: end - start)
            let record = CSVRecord(line: line, fields: fields, problem: recordProblem, raw: raw)
            if try !body(record) { return }
        }
    }

    /// Finds the next record: its byte range (without the line end), the physical lines it spans,
    /// and a problem if it is malformed. Returns nil at the end of the file.
    private func nextRecordBounds() throws(OmnisegError) -> (Int, Int, Int, String?)? {
        while true {
            if !skippedBOM {
                if tail - head < 3 && !atEOF { try refill(); continue }
                skippedBOM = true
                if tail - head >= 3, buffer[head] == 0xEF, buffer[head + 1] == 0xBB, buffer[head + 2] == 0xBF {
                    head += 3
                    bytesConsumed += 3
                }
            }
            if head == tail && atEOF { return nil }
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var p = head
            var inQuotes = false
            var newlines = 0
            var found = false
            let limit = tail  // a local: class properties in the loop would pay exclusivity checks per byte
            while p < limit {
                let c = base[p]
                if c == 0x22 {
                    inQuotes.toggle()
                } else if c == 0x0A {
                    if !inQuotes { found = true; break }
                    newlines += 1
                }
                p += 1
            }
            if found || (atEOF && p == tail) {
                let start = head
                var end = p
                if end > start && base[end - 1] == 0x0D { end -= 1 }
                let consumed = (found ? p + 1 : p) - head
                head += consumed
                bytesConsumed += consumed
                if end - start > maxRecordBytes {
                    return (start, start, newlines + 1, "record is longer than \(maxRecordBytes) bytes")
                }
                if inQuotes {
                    return (start, end, newlines + 1, "quoted field is not closed before the end of the file")
                }
                return (start, end, newlines + 1, nil)
            }
            // The record continues past the buffered data.
            if tail - head > maxRecordBytes {
                bytesConsumed += tail - head
                head = tail
                try skipToNextLineFeed()
                return (head, head, newlines + 1, "record is longer than \(maxRecordBytes) bytes")
            }
            try refill()
        }
    }

    /// Discards bytes up to and including the next line feed, ignoring quotes (resynchronising after an overlong record).
    private func skipToNextLineFeed() throws(OmnisegError) {
        while true {
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            while head < tail {
                let c = base[head]
                head += 1
                bytesConsumed += 1
                if c == 0x0A { return }
            }
            if atEOF { return }
            try refill()
        }
    }

    /// Moves unread bytes to the front and reads more; grows the buffer when a record needs it.
    private func refill() throws(OmnisegError) {
        if head > 0 {
            let remaining = tail - head
            if remaining > 0 {
                memmove(buffer.baseAddress!, buffer.baseAddress! + head, remaining)
            }
            head = 0
            tail = remaining
        }
        if tail == buffer.count {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 64)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: tail)
            buffer.deallocate()
            buffer = bigger
        }
        while true {
            let n = read(fd, buffer.baseAddress! + tail, buffer.count - tail)
            if n < 0 {
                if errno == EINTR { continue }
                throw OmnisegError(.io, "read failed: \(String(cString: strerror(errno)))", context: [("file", path)])
            }
            if n == 0 { atEOF = true }
            tail += n
            return
        }
    }

    /// Splits `[start, end)` into fields; a quoted field with `""` is unescaped into `scratch`.
    /// Returns a problem, if any.
    private func splitFields(start: Int, end: Int) -> String? {
        // Work on a local array (moved out of the property and back) so appends pay no exclusivity checks.
        var fields: [UnsafeRawBufferPointer] = []
        swap(&fields, &self.fields)
        defer { swap(&fields, &self.fields) }
        fields.removeAll(keepingCapacity: true)
        if scratch.count < end - start {
            scratch.deallocate()
            scratch = .allocate(byteCount: (end - start) * 2, alignment: 16)
        }
        let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let out = scratch.baseAddress!.assumingMemoryBound(to: UInt8.self)
        var written = 0
        var p = start
        while true {
            if p < end && base[p] == 0x22 {
                p += 1
                let fieldStart = p
                var escaped = false
                var closed = false
                while p < end {
                    if base[p] == 0x22 {
                        if p + 1 < end && base[p + 1] == 0x22 { escaped = true; p += 2; continue }
                        closed = true
                        break
                    }
                    p += 1
                }
                if !closed { return "quoted field \(fields.count + 1) is not closed" }
                let fieldEnd = p
                p += 1  // the closing quote
                if escaped {
                    let outStart = written
                    var q = fieldStart
                    while q < fieldEnd {
                        out[written] = base[q]
                        written += 1
                        q += base[q] == 0x22 ? 2 : 1
                    }
                    fields.append(UnsafeRawBufferPointer(start: out + outStart, count: written - outStart))
                } else {
                    fields.append(UnsafeRawBufferPointer(start: base + fieldStart, count: fieldEnd - fieldStart))
                }
                if p < end && base[p] != 0x2C {
                    return "unexpected character after the closing quote of field \(fields.count)"
                }
            } else {
                let fieldStart = p
                while p < end && base[p] != 0x2C { p += 1 }
                fields.append(UnsafeRawBufferPointer(start: base + fieldStart, count: p - fieldStart))
            }
            if p >= end { return nil }
            p += 1  // the comma
            if p == end {  // a trailing comma ends with one more, empty field
                fields.append(UnsafeRawBufferPointer(start: base + end, count: 0))
                return nil
            }
        }
    }
}

/// One CSV record: its first physical line, its fields, and a problem if it could not be split.
public struct CSVRecord: ~Copyable {
    /// The 1-based line on which the record starts.
    public let line: Int
    /// The fields' bytes (unescaped), valid while the record is.
    public let fields: [UnsafeRawBufferPointer]
    /// Why the record is malformed, or nil.
    public let problem: String?
    /// The record's bytes as read, without the line end.
    public let raw: UnsafeRawBufferPointer

    /// The number of fields.
    public var count: Int { fields.count }

    /// The bytes of field `index` (unescaped), valid while the record is.
    @inline(__always)
    public func field(_ index: Int) -> UnsafeRawBufferPointer { fields[index] }

    /// The field as a `String` (invalid UTF-8 repaired), for messages and headers.
    public func string(_ index: Int) -> String {
        String(decoding: fields[index], as: UTF8.self)
    }

    /// The record's text as read (at most `limit` bytes, invalid UTF-8 repaired), for the quarantine.
    public func rawText(limit: Int = 1000) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: raw.prefix(limit)), as: UTF8.self)
    }
}
