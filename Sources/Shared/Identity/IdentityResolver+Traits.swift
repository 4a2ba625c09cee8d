import Matching

extension IdentityResolver {
    /// The identifying values a set of records carries.
    struct Traits {
        var emails: Set<String> = []
        var loyalties: Set<String> = []
        var birthDates: Set<String> = []
        var firstNames: Set<String> = []
        var lastNames: Set<String> = []

        mutating func add(_ r: Record) {
            if let e = r.email { emails.insert(e) }
            if let l = r.loyalty { loyalties.insert(l) }
            if let b = r.birthDate { birthDates.insert(b) }
            if let f = r.firstName { firstNames.insert(f) }
            if let l = r.lastName { lastNames.insert(l) }
        }

        mutating func merge(_ other: Traits) {
            emails.formUnion(other.emails)
            loyalties.formUnion(other.loyalties)
            birthDates.formUnion(other.birthDates)
            firstNames.formUnion(other.firstNames)
            lastNames.formUnion(other.lastNames)
        }

        /// Two sets conflict when both carry values of a kind and share none of them. Birth dates
        /// conflict only when no two are equal or one part apart (or day and month swapped: a typing
        /// slip, ``FieldComparison/birthDate(_:_:)`` level 1); first names only when no two are within
        /// one typo (edit or transposition) or a name and its short form, and neither set's first name
        /// is the other's last name (a form filled in the wrong order).
        func conflicts(with other: Traits) -> Bool {
            func clash(_ a: Set<String>, _ b: Set<String>) -> Bool { !a.isEmpty && !b.isEmpty && a.isDisjoint(with: b) }
            if clash(emails, other.emails) || clash(loyalties, other.loyalties) { return true }
            if clash(birthDates, other.birthDates) {
                let near = birthDates.contains { a in
                    other.birthDates.contains { b in FieldComparison.birthDate(CivilDay(iso: a), CivilDay(iso: b)) <= 1 }
                }
                if !near { return true }
            }
            guard !firstNames.isEmpty && !other.firstNames.isEmpty else { return false }
            if !firstNames.isDisjoint(with: other.lastNames) || !lastNames.isDisjoint(with: other.firstNames) { return false }
            return !firstNames.contains { a in
                other.firstNames.contains { b in
                    NameDistance.withinOneTypo(a, b) || Array(a.utf8).withUnsafeBytes { x in Array(b.utf8).withUnsafeBytes { y in Nicknames.related(x, y) } }
                }
            }
        }
    }
}
