import Workspace

/// Why a row was not loaded: the column at fault (if one is) and what was expected.
public struct RowRejection: Error, Sendable, Equatable {
    public let column: String?
    public let reason: String

    public init(column: String?, reason: String) {
        self.column = column
        self.reason = reason
    }
}

/// An optional field left out of a row that was kept: the column, what was wrong and the value.
public struct FieldWarning: Sendable, Equatable {
    public let column: String
    public let reason: String
    public let value: String

    public init(column: String, reason: String, value: String) {
        self.column = column
        self.reason = reason
        self.value = value
    }
}

/// Validates one row of a kind of file and binds it to that kind's insert statement.
///
/// `values[i]` holds the trimmed bytes of the kind's column `i` (empty when the file lacks it).
/// Parameters `1...n` are the loader's; the ingester binds the file id and line after them.
protocol RowLoader {
    /// The insert (or upsert) statement; its last two parameters are the file id and line.
    static var insertSQL: String { get }
    /// How many parameters the loader binds before the file id (and line).
    static var parameterCount: Int32 { get }
    /// Whether the statement takes the source line after the file id (for records that are upserted).
    static var bindsLine: Bool { get }
    /// Whether columns 0 and 1 are a (source, customer id) reference to record in `customer_ref`.
    static var refersToCustomer: Bool { get }
    /// Binds `values` to `statement`, or says why the row is rejected. An optional field that does
    /// not parse is bound empty and described in `warnings`: the row is kept without it.
    func bind(_ values: [UnsafeRawBufferPointer], to statement: SQLiteStatement, warnings: inout [FieldWarning]) -> RowRejection?
}

/// Shared field checks for row loaders, each naming the column on failure.
enum RowCheck {
    /// Binds a text column: it must be valid UTF-8 and, when `required`, not empty. Empty optional text binds NULL.
    @inline(__always)
    static func text(_ value: UnsafeRawBufferPointer, _ column: String, required: Bool, at index: Int32, _ statement: SQLiteStatement) -> RowRejection? {
        if value.isEmpty && required { return RowRejection(column: column, reason: "is empty; a value is required") }
        if !FieldParsers.isValidUTF8(value) { return RowRejection(column: column, reason: "is not valid UTF-8 text") }
        statement.bindText(value, at: index, emptyIsNull: !required)
        return nil
    }

    /// Binds an optional text column; text that is not valid UTF-8 is left out with a warning.
    @inline(__always)
    static func optionalText(_ value: UnsafeRawBufferPointer, _ column: String, at index: Int32, _ statement: SQLiteStatement,
                             _ warnings: inout [FieldWarning]) {
        if FieldParsers.isValidUTF8(value) {
            statement.bindText(value, at: index, emptyIsNull: true)
        } else {
            statement.bindNull(at: index)
            warnings.append(FieldWarning(column: column, reason: "is not valid UTF-8 text; left out", value: preview(value)))
        }
    }

    /// Parses a required timestamp column.
    @inline(__always)
    static func timestamp(_ value: UnsafeRawBufferPointer, _ column: String, _ parser: TimestampParser) -> Result<Int64, RowRejection> {
        if value.isEmpty { return .failure(RowRejection(column: column, reason: "is empty; expected \(parser.expectation)")) }
        guard let seconds = parser.parse(value) else {
            return .failure(RowRejection(column: column, reason: "'\(preview(value))' is not \(parser.expectation)"))
        }
        return .success(seconds)
    }

    /// A short, printable preview of a bad value for messages.
    static func preview(_ value: UnsafeRawBufferPointer) -> String {
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: value.prefix(40)), as: UTF8.self)
        return value.count > 40 ? text + "…" : text
    }
}
