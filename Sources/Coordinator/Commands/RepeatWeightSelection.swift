import ArgumentParser
import JobRuntime
import OmnisegCore
import Recommend
import Workspace

/// `recommend evaluate --repeats` without `--repeat-weight`: the weight is chosen on a validation
/// slice of the training period — features as of one test window before --train-until, purchases in
/// the window up to --train-until — never on the test window.
struct RepeatWeightSelection {
    /// The weights tried, and the one kept (the best P@10 on all purchases; the first of equals).
    static let grid = [0.5, 0.7, 0.8, 0.9, 0.95]

    var trials: [(weight: Double, precision: Double)] = []
    var chosen: Double
    var validationSet: Int64
    var validationUntil: String

    /// Runs the job once per weight of ``grid`` on the validation slice of `split`.
    init(split: TimeSplitOptions, parameters: JobParameters, job: ForegroundJob, workspace: Workspace) throws {
        let days = try split.testDays
        let day = try split.trainDay - Int64(days)
        validationUntil = CivilDate.isoDate(unixSeconds: day * 86_400)
        validationSet = try split.featureSetID(in: workspace, asOfDay: day)
        for weight in Self.grid {
            var trial = parameters
            trial[CommonParameters.featureSet.name] = "\(validationSet)"
            trial[RecommendParameters.repeatWeight.name] = "\(weight)"
            let (id, bytes) = try job.execute(RecommendJob.name, parameters: trial)
            let result = try exiting { () throws(OmnisegError) in try RecommendResult(decoding: try RecommendJob.resultBody(bytes)) }
            guard let evaluation = result.evaluation else { throw ValidationError("the validation recommend job \(id) returned no evaluation") }
            trials.append((weight, evaluation.precision(.recommender, .all)))
        }
        chosen = trials.reduce(trials[0]) { $1.precision > $0.precision ? $1 : $0 }.weight
    }

    var text: String {
        "repeat weight \(Format.fixed(chosen, 2)) chosen on the validation slice (features as of \(validationUntil), purchases up to --train-until): P@10 "
            + trials.map { "\(Format.fixed($0.weight, 2)) → \(Format.fixed($0.precision, 4))" }.joined(separator: ", ") + "\n"
    }

    var json: String {
        JSONText.object([("validation_feature_set", "\(validationSet)"), ("validation_until", JSONText.quoted(validationUntil)), ("chosen", "\(chosen)"),
                         ("trials", "[" + trials.map { JSONText.object([("weight", "\($0.weight)"), ("precision", "\($0.precision)")]) }.joined(separator: ",") + "]")])
    }
}
