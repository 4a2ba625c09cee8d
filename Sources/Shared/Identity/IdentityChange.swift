/// One change a resolve made to who is who, as `person_history` records it.
public struct IdentityChange: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// `other` no longer exists: its records now belong to `person`, the older id.
        case merge
        /// Some of `person`'s records now belong to `other` (a new person, or another existing one);
        /// `person` kept its id and the largest part of its records.
        case split
    }

    public var kind: Kind
    /// merge: the surviving (oldest) id; split: the id that kept the largest part.
    public var person: Int64
    /// merge: the id merged into `person`, retired from now on; split: the id the moved records joined.
    public var other: Int64
    /// How many source records moved.
    public var records: Int

    public init(kind: Kind, person: Int64, other: Int64, records: Int) {
        self.kind = kind
        self.person = person
        self.other = other
        self.records = records
    }
}
