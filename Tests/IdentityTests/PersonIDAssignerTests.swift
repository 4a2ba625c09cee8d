@testable import Identity
import Testing

/// The id rules, without a workspace: keep, merge into the oldest, split keeping the largest part.
@Suite struct PersonIDAssignerTests {
    @Test func aFirstResolveNumbersPeopleInClusterOrder() {
        let a = PersonIDAssigner.assign(clusters: [[0, 2], [1], [3]], previous: [nil, nil, nil, nil], nextID: 1)
        #expect(a.ids == [1, 2, 3])
        #expect(a.changes.isEmpty && a.created == 3)
    }

    @Test func unchangedPeopleKeepTheirIdsAndNewOnesComeAfterTheHighestEverGiven() {
        // Records 0-2 were persons 7, 3, 3; record 3 is new; id 9 was given out before (merged away since).
        let a = PersonIDAssigner.assign(clusters: [[0], [1, 2], [3]], previous: [7, 3, 3, nil], nextID: 10)
        #expect(a.ids == [7, 3, 10])
        #expect(a.changes.isEmpty && a.created == 1)
    }

    @Test func mergedPeopleKeepTheOldestId() {
        let a = PersonIDAssigner.assign(clusters: [[0, 1, 2, 3]], previous: [5, 2, 5, 8], nextID: 9)
        #expect(a.ids == [2])
        #expect(a.changes == [IdentityChange(kind: .merge, person: 2, other: 5, records: 2), IdentityChange(kind: .merge, person: 2, other: 8, records: 1)])
        #expect(a.created == 0)
    }

    @Test func aSplitPersonKeepsItsIdOnItsLargestPart() {
        // Person 4 had records 0-2; record 0 leaves on its own.
        let a = PersonIDAssigner.assign(clusters: [[0], [1, 2]], previous: [4, 4, 4], nextID: 5)
        #expect(a.ids == [5, 4])
        #expect(a.changes == [IdentityChange(kind: .split, person: 4, other: 5, records: 1)])
        #expect(a.created == 1)
    }

    @Test func anEvenSplitKeepsTheIdOnThePartThatComesFirst() {
        let a = PersonIDAssigner.assign(clusters: [[0], [1]], previous: [6, 6], nextID: 7)
        #expect(a.ids == [6, 7])
        #expect(a.changes == [IdentityChange(kind: .split, person: 6, other: 7, records: 1)])
    }

    @Test func recordsThatMoveToAnotherExistingPersonAreASplitFromTheirOldOne() {
        // Person 1 = {0, 1, 2}, person 2 = {3, 4}; record 2 now links with person 2's records.
        let a = PersonIDAssigner.assign(clusters: [[0, 1], [2, 3, 4]], previous: [1, 1, 1, 2, 2], nextID: 3)
        #expect(a.ids == [1, 2])
        #expect(a.changes == [IdentityChange(kind: .split, person: 1, other: 2, records: 1)])
        #expect(a.created == 0)
    }

    @Test func theSameInputGivesTheSameIdsAndChanges() {
        let clusters = [[0, 3], [1, 4, 5], [2], [6, 7]]
        let previous: [Int64?] = [1, 2, 2, 1, 3, nil, 3, 4]
        let first = PersonIDAssigner.assign(clusters: clusters, previous: previous, nextID: 5)
        #expect(PersonIDAssigner.assign(clusters: clusters, previous: previous, nextID: 5) == first)
        // Every earlier id either names exactly one cluster or was merged into one.
        let named = Set(first.ids)
        let merged = Set(first.changes.filter { $0.kind == .merge }.map(\.other))
        #expect(named.isDisjoint(with: merged))
        #expect(named.union(merged).isSuperset(of: [1, 2, 3, 4]))
    }
}
