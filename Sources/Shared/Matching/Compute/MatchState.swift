import OmnisegCore

/// The state of a `match` job: the thresholds, the model (u and a starting m until EM has fitted it,
/// or a model fitted by an earlier resolve), and what the result reports of the whole record list.
struct MatchState: Equatable {
    var linkThreshold: Double
    var reviewThreshold: Double
    var estimateM: Bool
    /// Whether the model is final: the tasks score pairs with it (else they count patterns for EM).
    var fitted: Bool
    var model: MatchModel
    /// Records in the list the plan numbered, and ``MatchPlan/fingerprint(_:people:)`` of them.
    var records: Int
    var fingerprint: UInt64
    var blocksSkipped: Int
    /// Candidate pairs compared (known from iteration 1 on).
    var candidates: UInt64
    /// Pairs of comparable records of different people so far: the population λ is a share of
    /// (``MatchPlan/population(_:people:)``).
    var population: UInt64

    var encoded: [UInt8] {
        var writer = WireWriter(capacity: 1024)
        writer.f64(linkThreshold)
        writer.f64(reviewThreshold)
        writer.u8(estimateM ? 1 : 0)
        writer.u8(fitted ? 1 : 0)
        writer.blob(model.encoded)
        writer.u64(UInt64(records))
        writer.u64(fingerprint)
        writer.u64(UInt64(blocksSkipped))
        writer.u64(candidates)
        writer.u64(population)
        return writer.bytes
    }
}

// The decoder lives in an extension so that the struct keeps its memberwise initializer.
extension MatchState {
    /// Decodes ``encoded``; refuses thresholds out of order and a model of other fields than this build compares.
    init(decoding bytes: [UInt8]) throws(OmnisegError) {
        guard !bytes.isEmpty else {
            throw OmnisegError(.badInput, "a match job starts from the state its workspace side prepares (MatchPlan), and it has none")
        }
        var reader = WireReader(bytes, what: "match state")
        (linkThreshold, reviewThreshold) = try Self.thresholds(&reader)
        estimateM = try Self.flag(&reader)
        fitted = try Self.flag(&reader)
        model = try Self.model(&reader)
        records = try Self.recordCount(&reader)
        fingerprint = try reader.u64()
        blocksSkipped = Int(try reader.tally())
        candidates = try reader.tally()
        // Pairs of records, not rows: 10M records make 5·10¹³, past what a count of rows may be.
        population = try reader.u64()
        guard population >= candidates else { throw reader.failure("\(candidates) candidate pairs among \(population) pairs of records") }
        try reader.expectEnd()
    }

    /// A flag byte, 0 or 1.
    static func flag(_ reader: inout WireReader) throws(OmnisegError) -> Bool {
        switch try reader.u8() {
        case 0: return false
        case 1: return true
        case let flag: throw reader.failure("flag \(flag) is neither 0 nor 1")
        }
    }

    /// A link and a review threshold, checked: 0 ≤ review < link < 1.
    static func thresholds(_ reader: inout WireReader) throws(OmnisegError) -> (link: Double, review: Double) {
        let link = try reader.f64(), review = try reader.f64()
        guard review >= 0, review < link, link < 1 else { throw reader.failure("thresholds \(review) and \(link) are not 0 ≤ review < link < 1") }
        return (link, review)
    }

    /// A match model of the fields this build compares.
    static func model(_ reader: inout WireReader) throws(OmnisegError) -> MatchModel {
        let model = try MatchModel(decoding: try reader.blob(limit: 1 << 24))
        guard model.compares(ProbabilisticLinker.fields) else {
            throw reader.failure("the model compares other fields than this build's matcher")
        }
        return model
    }

    /// A count of records a match job numbers (u32 indices).
    static func recordCount(_ reader: inout WireReader) throws(OmnisegError) -> Int {
        let count = try reader.u64()
        guard count <= UInt64(UInt32.max) else { throw reader.failure("\(count) records is more than a match job numbers") }
        return Int(count)
    }
}
