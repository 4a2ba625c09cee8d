/// How well resolution's people match a ground truth, over the records both know: pairwise precision
/// (of the record pairs put in one person, the share that are one entity), recall (of the pairs that
/// are one entity, the share put in one person), F1, and the number of people on each side.
public struct LinkageQuality: Sendable, Equatable {
    /// Records in both the truth and the resolution.
    public var records = 0
    /// Record pairs in one person, in one true entity, and in both.
    public var predictedPairs = 0
    public var truePairs = 0
    public var correctPairs = 0
    /// People and true entities among the evaluated records.
    public var people = 0
    public var entities = 0

    public var precision: Double { predictedPairs == 0 ? 1 : Double(correctPairs) / Double(predictedPairs) }
    public var recall: Double { truePairs == 0 ? 1 : Double(correctPairs) / Double(truePairs) }
    public var f1: Double { precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall) }

    /// Compares `person[i]` (resolution's person of record i) with `entity[i]` (its true entity).
    public init(person: [Int64], entity: [Int64]) {
        precondition(person.count == entity.count)
        records = person.count
        func pairs(_ n: Int) -> Int { n * (n - 1) / 2 }
        var byPerson: [Int64: Int] = [:], byEntity: [Int64: Int] = [:]
        struct Cell: Hashable { let person: Int64, entity: Int64 }
        var byCell: [Cell: Int] = [:]
        for i in person.indices {
            byPerson[person[i], default: 0] += 1
            byEntity[entity[i], default: 0] += 1
            byCell[Cell(person: person[i], entity: entity[i]), default: 0] += 1
        }
        predictedPairs = byPerson.values.reduce(0) { $0 + pairs($1) }
        truePairs = byEntity.values.reduce(0) { $0 + pairs($1) }
        correctPairs = byCell.values.reduce(0) { $0 + pairs($1) }
        people = byPerson.count
        entities = byEntity.count
    }
}
