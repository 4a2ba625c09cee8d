@testable import Identity
import OmnisegCore
@testable import TestSupport
import Testing

@Suite struct IdentifierNormalizerTests {
    let us = IdentifierNormalizer()
    let uk = IdentifierNormalizer(defaultCountryCode: "44")

    /// The byte path for ASCII e-mails gives what the character path gives, on random strings of the
    /// characters that matter (@ . + space tab, upper and lower case); non-ASCII text takes the
    /// character path.
    @Test func asciiEmailsNormalizeAsTheCharacterPathDoes() {
        var rng = SplitMix64(seed: 3)
        let alphabet = Array("aB.@+ \tzZ9-_")
        var addresses = 0
        for _ in 0..<50_000 {
            let text = String((0..<rng.below(14)).map { _ in alphabet[rng.below(alphabet.count)] })
            let fast = us.email(text)
            #expect(fast == us.unicodeEmail(text), "\(text.debugDescription)")
            if fast != nil { addresses += 1 }
        }
        #expect(addresses > 100, "the strings include valid addresses")
        var accented = "  Émile+x@Exemple.FR "
        #expect(accented.withUTF8 { IdentifierNormalizer.asciiEmail($0) } == .notASCII)
        #expect(us.email(accented) == "émile@exemple.fr")
    }

    @Test func emailsAreTrimmedLowercasedAndLosePlusTags() {
        #expect(us.email("  Anna.Smith+shop@Gmail.COM ") == "anna.smith@gmail.com")
        #expect(us.email("anna.smith@gmail.com") == "anna.smith@gmail.com")
        #expect(us.email("not-an-email") == nil)
        #expect(us.email("a@b") == nil)
        #expect(us.email("a b@c.com") == nil)
        #expect(us.email("@c.com") == nil)
    }

    @Test func phonesBecomeE164() {
        for raw in ["(415) 555-0132", "415-555-0132", "415.555.0132", "+1 415 555 0132", "14155550132", "4155550132", "001 415 555 0132"] {
            #expect(us.phone(raw) == "+14155550132", "\(raw)")
        }
        #expect(uk.phone("07700 900123") == "+447700900123")
        #expect(uk.phone("+44 7700 900123") == "+447700900123")
        #expect(us.phone("555-0132") == nil)
        #expect(us.phone("0000000000") == nil)
        #expect(us.phone("n/a") == nil)
        #expect(us.phone("call me") == nil)
    }

    @Test func loyaltyIDsIgnoreCaseSpacesAndDashes() {
        #expect(us.loyaltyID("ly12-345 678") == "LY12345678")
        #expect(us.loyaltyID("LY1") == nil)
        #expect(us.loyaltyID("LY#1234") == nil)
    }

    @Test func namesWithinOneTypo() {
        #expect(NameDistance.withinOneTypo("anna", "anna"))
        #expect(NameDistance.withinOneTypo("anna", "ana"))
        #expect(NameDistance.withinOneTypo("anna", "annna"))
        #expect(NameDistance.withinOneTypo("anna", "nana"))
        #expect(NameDistance.withinOneTypo("anna", "anne"))
        #expect(!NameDistance.withinOneTypo("anna", "emma"))
        #expect(!NameDistance.withinOneTypo("john", "joseph"))
    }
}
