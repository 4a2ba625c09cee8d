import OmnisegCore

/// Normalizes the identifiers that link source records into one person.
///
/// - E-mail: trimmed and lower-cased; `local+tag@domain` is treated as `local@domain` for every domain
///   (plus-addressing, as Gmail, Outlook, iCloud, Fastmail and Proton deliver it); dots are kept.
///   Must look like `local@domain.tld` with no spaces.
/// - Phone: E.164 (`+` and 8–15 digits). `+…` and `00…` are international; otherwise the number is
///   national in the default country: for country code 1 (NANP) ten digits, or eleven starting with 1;
///   for other codes a leading trunk `0` is dropped. Placeholders (one repeated digit) are rejected.
/// - Loyalty id: upper-cased, spaces and dashes removed; at least 4 letters or digits.
public struct IdentifierNormalizer: Sendable {
    /// The country calling code for numbers written without one (default 1).
    public let defaultCountryCode: String

    public init(defaultCountryCode: String = "1") {
        self.defaultCountryCode = defaultCountryCode
    }

    /// The normalized e-mail, or nil when `raw` is not an address. ASCII input (nearly all of it) is
    /// done on its bytes; the rest through ``unicodeEmail(_:)``, the same rules on characters.
    public func email(_ raw: String) -> String? {
        var text = raw
        switch text.withUTF8({ Self.asciiEmail($0) }) {
        case .address(let address): return address
        case .invalid: return nil
        case .notASCII: return unicodeEmail(raw)
        }
    }

    /// ``email(_:)`` on characters (any text).
    func unicodeEmail(_ raw: String) -> String? {
        let lowered = raw.trimmedSpaces.lowercased()
        guard let at = lowered.firstIndex(of: "@") else { return nil }
        var local = lowered[..<at]
        let domain = lowered[lowered.index(after: at)...]
        if let plus = local.firstIndex(of: "+") { local = local[..<plus] }
        guard !local.isEmpty, domain.contains("."), !domain.hasPrefix("."), !domain.hasSuffix("."),
              !domain.contains("@"), !lowered.contains(" ") else { return nil }
        return "\(local)@\(domain)"
    }

    /// What ``asciiEmail(_:)`` found.
    enum ASCIIEmail: Equatable {
        case address(String)
        case invalid
        case notASCII
    }

    /// ``email(_:)`` on bytes, for ASCII text (else `.notASCII`). No Foundation, no Character: a
    /// resolve normalizes millions of these.
    static func asciiEmail(_ bytes: UnsafeBufferPointer<UInt8>) -> ASCIIEmail {
        guard !bytes.contains(where: { $0 >= 0x80 }) else { return .notASCII }
        let text = UnsafeRawBufferPointer(bytes).trimmingSpaces
        var at = -1, plus = -1
        for (i, byte) in text.enumerated() {
            switch byte {
            case 0x20: return .invalid                                  // a space inside
            case 0x40: if at >= 0 { return .invalid } else { at = i }   // a second @
            case 0x2B: if at < 0 && plus < 0 { plus = i }
            default: break
            }
        }
        guard at >= 0 else { return .invalid }
        let local = text[..<(plus >= 0 ? plus : at)], domain = text[(at + 1)...]
        guard !local.isEmpty, let first = domain.first, let last = domain.last, first != 0x2E, last != 0x2E, domain.contains(0x2E) else {
            return .invalid
        }
        return .address(String(decoding: local.map(\.asciiLowercased) + [0x40] + domain.map(\.asciiLowercased), as: UTF8.self))
    }

    /// The phone number in E.164, or nil when it cannot be one.
    public func phone(_ raw: String) -> String? {
        var digits: [UInt8] = []
        var international = false
        var sawDigit = false
        for b in raw.utf8 {
            if b >= 0x30 && b <= 0x39 { digits.append(b); sawDigit = true }
            else if b == UInt8(ascii: "+") && !sawDigit { international = true }
            else if b == UInt8(ascii: " ") || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: "(") || b == UInt8(ascii: ")") || b == UInt8(ascii: "/") { continue }
            else { return nil }
        }
        var number = String(decoding: digits, as: UTF8.self)
        if !international && number.hasPrefix("00") {
            number.removeFirst(2)
            international = true
        }
        if !international {
            if defaultCountryCode == "1" {
                if number.count == 11 && number.hasPrefix("1") { number.removeFirst() }
                guard number.count == 10 else { return nil }
                number = "1" + number
            } else {
                if number.hasPrefix("0") { number.removeFirst() }
                guard (6...12).contains(number.count) else { return nil }
                number = defaultCountryCode + number
            }
        }
        guard (8...15).contains(number.count), !number.hasPrefix("0") else { return nil }
        let national = number.dropFirst(1)
        if let first = national.first, national.allSatisfy({ $0 == first }) { return nil }
        return "+" + number
    }

    /// The normalized loyalty id, or nil when it is too short or has other characters.
    public func loyaltyID(_ raw: String) -> String? {
        var out = ""
        for c in raw.uppercased() {
            if c == " " || c == "-" { continue }
            guard c.isASCII, c.isLetter || c.isNumber else { return nil }
            out.append(c)
        }
        return out.count >= 4 ? out : nil
    }
}
