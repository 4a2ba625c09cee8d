import JobRuntime
import OmnisegCore

/// Options of the probabilistic matcher, and of the exact linking that comes before it (a pair the
/// exact keys already joined is not a candidate).
public struct MatchOptions: Sendable, Equatable {
    /// A candidate pair whose match probability is at least this is linked. The probability is a
    /// random pair's prior (λ over all pairs of records of different people, as u is a random pair's)
    /// times the evidence, so 0.5 is even odds; raise it to link fewer, surer pairs (on generated
    /// hard-noise data, 0.5 linked 2 wrong pairs of 15,600 and 0.9 gave 4 % fewer right ones).
    public var linkThreshold: Double = 0.5
    /// Pairs from this probability up to the link threshold are listed for review, not linked.
    public var reviewThreshold: Double = 0.05
    /// Blocks larger than this are left out (a common name in a big city would make every pair a candidate).
    public var maxBlock: Int = 64
    /// Random pairs compared to estimate u.
    public var randomPairs: Int = 200_000
    /// Seeds the random pairs: the same records and seed give the same model.
    public var seed: UInt64 = 1
    /// Record blocks the candidate pairs are cut into: one task each. The result does not depend on it.
    public var tasks: Int = 16
    /// Whether EM re-estimates m too. Default: m stays as measured on the pairs the exact rules
    /// joined and EM estimates λ; re-estimating m let EM settle on "pairs in one block" as its
    /// matches on generated data (pairwise precision 0.969 and 0.959 on two generated sets, against
    /// 1.000 with m kept).
    public var estimateM = false
    /// Score with the model the workspace keeps from an earlier resolve instead of fitting one (read
    /// where the workspace is, when the job is prepared).
    public var storedModel = false

    public init() {}

    /// The options `parameters` give (``MatchParameters``); throws naming a threshold out of order.
    public init(parameters: JobParameters) throws(OmnisegError) {
        linkThreshold = try parameters.value(MatchParameters.linkThreshold)
        reviewThreshold = try parameters.value(MatchParameters.reviewThreshold)
        maxBlock = try parameters.value(MatchParameters.maxBlock)
        randomPairs = try parameters.value(MatchParameters.randomPairs)
        seed = UInt64(try parameters.value(MatchParameters.seed))
        tasks = try parameters.value(MatchParameters.tasks)
        storedModel = try parameters.value(MatchParameters.storedModel)
        guard reviewThreshold < linkThreshold else {
            throw OmnisegError(.badInput, "review-threshold (\(reviewThreshold)) must be below link-threshold (\(linkThreshold))")
        }
    }
}

/// The parameters of the `match` job and of `omniseg resolve`, declared once: the command line, the
/// job's validation and its help all read them from here.
public enum MatchParameters {
    public static let linkThreshold = Parameter.decimal(
        "link-threshold", in: 0.5...0.999_999_999, default: 0.5, help: "Link a candidate pair whose match probability is at least this.")
    public static let reviewThreshold = Parameter.decimal(
        "review-threshold", in: 0...0.999_999_999, default: 0.05, help: "List pairs from this probability up to the link threshold for review.")
    public static let maxBlock = Parameter.integer(
        "max-block", in: 2...100_000, default: 64, help: "Leave out blocks of more records than this (every pair of a block is compared).")
    public static let randomPairs = Parameter.integer(
        "random-pairs", in: 1_000...100_000_000, default: 200_000, help: "Random record pairs compared to estimate how often non-matches agree (u).")
    public static let seed = Parameter.integer("seed", in: 0...Int(Int32.max), default: 1, help: "Seeds the random pairs: the same records and seed give the same model.")
    public static let tasks = Parameter.integer(
        "record-blocks", in: 1...4096, default: 16, help: "Tasks the candidate pairs are cut into (record blocks sent to workers); the result does not depend on it.")
    public static let storedModel = Parameter.flag(
        "stored-model", help: "Score with the model the last probabilistic resolve fitted (kept in the workspace) instead of fitting a new one.")
    public static let maxRecordsPerKey = Parameter.integer(
        "max-records-per-key", in: 2...1_000_000, default: 8,
        help: "A key value (e-mail, phone, loyalty id) on more records than this is treated as shared and links nothing; no person made by matching has more records.")
    public static let phoneCountry = Parameter.text(
        "phone-country", shape: "a calling code of 1-3 digits", default: "1", help: "Country calling code for phone numbers written without one.")

    /// Every parameter, in the order help lists them.
    public static let schema = ParameterSchema([
        maxRecordsPerKey.spec, phoneCountry.spec, linkThreshold.spec, reviewThreshold.spec, maxBlock.spec, randomPairs.spec, seed.spec, tasks.spec, storedModel.spec,
    ])

    /// The calling code `parameters` give, checked.
    public static func phoneCountryCode(_ parameters: JobParameters) throws(OmnisegError) -> String {
        let code = try parameters.value(phoneCountry)
        guard !code.isEmpty, code.count <= 3, code.allSatisfy({ $0 >= "0" && $0 <= "9" }) else {
            throw OmnisegError(.badInput, "phone-country takes a calling code of 1-3 digits, e.g. 1 or 44 (got '\(code)')")
        }
        return code
    }
}
