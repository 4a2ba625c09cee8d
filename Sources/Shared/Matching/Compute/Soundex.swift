/// American Soundex of a name's ASCII letters: the first letter and three digits for the consonant
/// groups that follow (b f p v → 1, c g j k q s x z → 2, d t → 3, l → 4, m n → 5, r → 6), vowels
/// separating repeats, h and w not. Names without an ASCII letter have the code 0.
public enum Soundex {
    /// The code packed in 32 bits: the upper-case first letter, then the three digits as bytes.
    public static func code(_ name: UnsafeRawBufferPointer) -> UInt32 {
        var code: UInt32 = 0, digits = 0
        var previous: UInt8 = 0
        var first = true
        for raw in name {
            let letter = raw >= 0x61 && raw <= 0x7A ? raw - 0x20 : raw
            guard letter >= 0x41 && letter <= 0x5A else { continue }
            let digit = Self.digit(letter)
            if first {
                code = UInt32(letter) << 24
                previous = digit
                first = false
                continue
            }
            if digit != 0 && digit != previous {
                code |= UInt32(0x30 + digit) << UInt32(16 - 8 * digits)
                digits += 1
                if digits == 3 { break }
            }
            // h and w do not separate equal codes; vowels do.
            if letter != 0x48 && letter != 0x57 { previous = digit }
        }
        if first { return 0 }
        while digits < 3 {
            code |= UInt32(0x30) << UInt32(16 - 8 * digits)
            digits += 1
        }
        return code
    }

    /// The code as text (`R163`), for explanations and tests.
    public static func text(_ name: String) -> String {
        var copy = name
        let packed = copy.withUTF8 { code(UnsafeRawBufferPointer($0)) }
        guard packed != 0 else { return "0" }
        return String(decoding: [UInt8(packed >> 24), UInt8((packed >> 16) & 0xFF), UInt8((packed >> 8) & 0xFF), UInt8(packed & 0xFF)], as: UTF8.self)
    }

    @inline(__always)
    private static func digit(_ letter: UInt8) -> UInt8 {
        switch letter {
        case 0x42, 0x46, 0x50, 0x56: return 1                                  // B F P V
        case 0x43, 0x47, 0x4A, 0x4B, 0x51, 0x53, 0x58, 0x5A: return 2          // C G J K Q S X Z
        case 0x44, 0x54: return 3                                              // D T
        case 0x4C: return 4                                                    // L
        case 0x4D, 0x4E: return 5                                              // M N
        case 0x52: return 6                                                    // R
        default: return 0                                                      // vowels, H, W, Y
        }
    }
}
