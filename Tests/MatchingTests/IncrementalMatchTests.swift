@testable import Matching
import OmnisegCore
import Testing

/// Matching new and changed records against a stored index gives what a full pass with the same
/// model gives, comparing fewer pairs.
@Suite struct IncrementalMatchTests {
    @Test func incrementalMatchingEqualsAFullPassWithTheSameModel() throws {
        let (all, people, _) = MatchJobTests.records(people: 500, seed: 21)
        var options = MatchOptions()
        // Small blocks, so that records coming and going push blocks over the limit and back.
        options.maxBlock = 6
        options.linkThreshold = 0.9999
        options.reviewThreshold = 0.001
        options.tasks = 4
        let linker = ProbabilisticLinker(options: options)

        // The base: the first 70 % of the records; fitted, then indexed as a resolve keeps it.
        let baseIDs = Array(0..<(all.count * 7 / 10))
        let fitted = try linker.match(baseIDs.map { all[$0] }, people: baseIDs.map { people[$0] })
        let entry = { (record: MatchRecord, person: Int) in MatchIndexEntry(record, person: UInt64(person)) }
        var indexed: [Int: MatchIndexEntry] = [:]
        for id in baseIDs { indexed[id] = entry(all[id], people[id]) }
        let storedByID = (fitted.links + fitted.review).map { (baseIDs[$0.a], baseIDs[$0.b], $0.pattern) }

        // Then: some records removed, some changed, two people joined by an exact key, the rest added.
        var rng = SplitMix64(seed: 5)
        var removed = Set<Int>()
        while removed.count < 25 { removed.insert(baseIDs[rng.below(baseIDs.count)]) }
        var records = all, personOf = people
        var changed = 0
        for id in baseIDs where !removed.contains(id) && rng.below(20) == 0 {
            records[id] = MatchRecord(firstName: "maria", lastName: "lopez", birthDate: "1961-02-13", street: "5 mill lane", postcode: "PC2", city: "york")
            changed += 1
        }
        let joined = baseIDs.filter { !removed.contains($0) }.prefix(40).last ?? 0
        personOf[joined] = personOf[baseIDs[0]]
        let ids = (0..<all.count).filter { !removed.contains($0) }
        let now = ids.map { records[$0] }, nowPeople = ids.map { personOf[$0] }
        let entries = ids.map { entry(records[$0], personOf[$0]) }
        var position: [Int: Int] = [:]
        for (i, id) in ids.enumerated() { position[id] = i }
        let stored = storedByID.compactMap { a, b, pattern in
            position[a].flatMap { x in position[b].map { y in IncrementalMatch.StoredPair(a: x, b: y, pattern: pattern) } }
        }

        let incremental = IncrementalMatch(options: options, model: fitted.model).run(
            records: now, people: nowPeople, entries: entries, previous: ids.map { indexed[$0] }, removed: removed.map { indexed[$0]! }, stored: stored)
        let full = try linker.match(now, people: nowPeople, model: fitted.model)

        #expect(full.model == fitted.model, "a full pass with a model scores with it, fitting nothing")
        #expect(incremental.result.links == full.links && incremental.result.review == full.review)
        #expect(!full.links.isEmpty && !full.review.isEmpty)
        #expect(incremental.result.blocksSkipped == full.blocksSkipped)
        let newOrChanged = ids.indices.filter { indexed[ids[$0]] != entries[$0] }.count
        #expect(newOrChanged >= all.count - baseIDs.count + changed)
        #expect(incremental.dirty.count { $0 } > newOrChanged, "blocks that crossed the limit made more records dirty")
        #expect(incremental.compared < full.candidates, "\(incremental.compared) pairs compared, \(full.candidates) in a full pass")

        // Nothing new: nothing compared, the same result.
        let again = IncrementalMatch(options: options, model: fitted.model).run(
            records: now, people: nowPeople, entries: entries, previous: entries, removed: [],
            stored: (full.links + full.review).map { IncrementalMatch.StoredPair(a: $0.a, b: $0.b, pattern: $0.pattern) })
        #expect(again.compared == 0 && again.dirty.allSatisfy { !$0 })
        #expect(again.result.links == full.links && again.result.review == full.review)
    }
}
