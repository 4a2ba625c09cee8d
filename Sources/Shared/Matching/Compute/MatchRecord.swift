import Foundation
import OmnisegCore

/// The fields the matcher compares, normalized: lower-case, accents folded, spaces trimmed.
///
/// Names and the birth date are compared as they are; the address only by keys: the street's words
/// and the postcode and city as 64-bit hashes of their normalized bytes. What a worker receives
/// (``MatchRecord/encode(into:)``) is the names, the birth date and those keys, never an e-mail, a
/// phone number, a loyalty id or an address in words: the text of the address stays where the
/// workspace is, for explanations.
public struct MatchRecord: Sendable, Equatable {
    public private(set) var firstName: [UInt8] = []
    public private(set) var lastName: [UInt8] = []
    public private(set) var birthDate: CivilDay?
    /// The address as text: only where the workspace is (empty on a record decoded from a task).
    public private(set) var street: [UInt8] = []
    public private(set) var postcode: [UInt8] = []
    public private(set) var city: [UInt8] = []
    /// The street's words (``FieldComparison/words(_:)``), sorted: worked out once per record, not per pair.
    package private(set) var streetWords: [UInt64] = []
    /// The postcode (spaces removed) and the city as keys compared for equality; 0 when missing.
    package private(set) var postcodeKey: UInt64 = 0
    package private(set) var cityKey: UInt64 = 0
    /// The formal names the first name is a form of (``Nicknames``), sorted; empty for most names.
    package private(set) var nameForms: [Int32] = []
    /// The first and last name as keys (``key(_:)``), for their frequencies (``TermFrequencies``); 0 when missing.
    package private(set) var firstNameKey: UInt64 = 0
    package private(set) var lastNameKey: UInt64 = 0

    public init(firstName: String? = nil, lastName: String? = nil, birthDate: String? = nil, street: String? = nil, postcode: String? = nil,
                city: String? = nil) {
        self.firstName = Self.normalized(firstName)
        self.lastName = Self.normalized(lastName)
        self.birthDate = birthDate.flatMap { CivilDay(iso: $0) }
        self.street = Self.normalized(street)
        self.postcode = Self.normalized(postcode).filter { $0 != 0x20 }
        self.city = Self.normalized(city)
        streetWords = self.street.withUnsafeBytes { FieldComparison.words($0) }.sorted()
        postcodeKey = Self.key(self.postcode)
        cityKey = Self.key(self.city)
        nameForms = self.firstName.withUnsafeBytes { Nicknames.forms(of: $0) }
        firstNameKey = Self.key(self.firstName)
        lastNameKey = Self.key(self.lastName)
    }

    /// The key of name field `f` (0: first name, 1: last name).
    @inline(__always)
    func nameKey(_ f: Int) -> UInt64 { f == 0 ? firstNameKey : lastNameKey }

    /// A key for equality of normalized text: 0 for none, never 0 for some.
    static func key(_ bytes: [UInt8]) -> UInt64 {
        guard !bytes.isEmpty else { return 0 }
        let hash = bytes.withUnsafeBytes { Checksum64.of($0, seed: 0x6D61_7463_6821) }
        return hash == 0 ? 1 : hash
    }

    /// Lower-case, accents folded, spaces and tabs trimmed. ASCII text (most of it) is done byte by
    /// byte; the rest through Foundation's folding.
    static func normalized(_ text: String?) -> [UInt8] {
        guard var text else { return [] }
        let ascii = text.withUTF8 { bytes -> [UInt8]? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            return UnsafeRawBufferPointer(bytes).trimmingSpaces.map(\.asciiLowercased)
        }
        if let ascii { return ascii }
        return Array(text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
            .trimmingCharacters(in: .whitespaces).utf8)
    }

    /// Whether there is enough to compare: a last name and one more field.
    var isComparable: Bool { !lastName.isEmpty && (!firstName.isEmpty || birthDate != nil || postcodeKey != 0) }

    /// A checksum of what the matcher compares of this record (``encode(into:)``): the blocking index
    /// tells a changed record by it.
    public var digest: UInt64 {
        var writer = WireWriter(capacity: 96 + firstName.count + lastName.count + 8 * streetWords.count)
        encode(into: &writer)
        return writer.bytes.withUnsafeBytes { Checksum64.of($0, seed: 0x6D72_6563_6F72) }
    }

    /// Writes what a worker compares: names, birth date, street words, postcode and city keys.
    func encode(into writer: inout WireWriter) {
        writer.blob(firstName)
        writer.blob(lastName)
        writer.u16(UInt16(clamping: birthDate?.year ?? 0))
        writer.u8(UInt8(clamping: birthDate?.month ?? 0))
        writer.u8(UInt8(clamping: birthDate?.day ?? 0))
        writer.count(streetWords.count)
        writer.integers(streetWords)
        writer.u64(postcodeKey)
        writer.u64(cityKey)
    }

    /// Reads what ``encode(into:)`` wrote; refuses names over 1 KiB, impossible dates and unsorted street words.
    init(decoding reader: inout WireReader) throws(OmnisegError) {
        firstName = try reader.blob(limit: 1024)
        lastName = try reader.blob(limit: 1024)
        let year = Int(try reader.u16()), month = Int(try reader.u8()), day = Int(try reader.u8())
        if year != 0 || month != 0 || day != 0 {
            guard (1...12).contains(month), (1...31).contains(day) else { throw reader.failure("a birth date \(year)-\(month)-\(day) is not a date") }
            birthDate = CivilDay(year: year, month: month, day: day)
        }
        let words = try reader.count(limit: 1024)
        streetWords = try reader.integers(words, of: UInt64.self)
        guard zip(streetWords, streetWords.dropFirst()).allSatisfy({ $0 <= $1 }) else { throw reader.failure("street words are not sorted") }
        postcodeKey = try reader.u64()
        cityKey = try reader.u64()
        nameForms = firstName.withUnsafeBytes { Nicknames.forms(of: $0) }
        firstNameKey = Self.key(firstName)
        lastNameKey = Self.key(lastName)
    }
}
