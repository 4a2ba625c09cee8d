import ArgumentParser
import JobRuntime
import OmnisegCore
import Recommend
import Workspace

/// `recommend evaluate`'s choice of the blend parameters the user did not give, on a validation slice
/// of the training period — features as of one test window before --train-until, purchases in the
/// window up to --train-until — never on the test window: per parameter, the value of its grid with
/// the best P@10 on all purchases (the first of equals), tried in order, each with the ones chosen before.
struct ValidationChoice {
    struct Choice {
        var parameter: String
        var trials: [(value: Double, precision: Double)]
        var chosen: Double
    }

    /// The parameters it chooses, in order, with their grids.
    static let popularityDampingGrid = [0, 0.25, 0.5]
    static let repeatWeightGrid = [0.5, 0.7, 0.8, 0.9, 0.95]

    var featureSet: Int64
    var until: String
    var choices: [Choice] = []

    /// Builds the validation slice's feature set of `split`.
    init(split: TimeSplitOptions, workspace: Workspace) throws {
        let day = try split.trainDay - Int64(try split.testDays)
        until = CivilDate.isoDate(unixSeconds: day * 86_400)
        featureSet = try split.featureSetID(in: workspace, asOfDay: day)
    }

    /// Runs the job once per value of `grid` for `parameter` on the validation slice, with `parameters`
    /// (and the values chosen so far); returns `parameters` with the chosen value.
    mutating func choose(_ parameter: String, grid: [Double], parameters: JobParameters, job: ForegroundJob) throws -> JobParameters {
        var trials: [(value: Double, precision: Double)] = []
        for value in grid {
            var trial = parameters
            trial[CommonParameters.featureSet.name] = "\(featureSet)"
            trial[parameter] = "\(value)"
            let (id, bytes) = try job.execute(RecommendJob.name, parameters: trial)
            let result = try exiting { () throws(OmnisegError) in try RecommendResult(decoding: try RecommendJob.resultBody(bytes)) }
            guard let evaluation = result.evaluation else { throw ValidationError("the validation recommend job \(id) returned no evaluation") }
            trials.append((value, evaluation.precision(.recommender, .all)))
        }
        let chosen = trials.reduce(trials[0]) { $1.precision > $0.precision ? $1 : $0 }.value
        choices.append(Choice(parameter: parameter, trials: trials, chosen: chosen))
        var out = parameters
        out[parameter] = "\(chosen)"
        return out
    }

    var text: String {
        choices.map { c in
            "\(c.parameter.replacingOccurrences(of: "_", with: "-")) \(Format.fixed(c.chosen, 2)) chosen on the validation slice (features as of \(until), "
                + "purchases up to --train-until): P@10 " + c.trials.map { "\(Format.fixed($0.value, 2)) → \(Format.fixed($0.precision, 4))" }.joined(separator: ", ")
        }.joined(separator: "\n") + (choices.isEmpty ? "" : "\n")
    }

    var json: String {
        let list = choices.map { c in
            JSONText.object([("parameter", JSONText.quoted(c.parameter)), ("chosen", "\(c.chosen)"),
                             ("trials", "[" + c.trials.map { JSONText.object([("value", "\($0.value)"), ("precision", "\($0.precision)")]) }.joined(separator: ",") + "]")])
        }
        return JSONText.object([("feature_set", "\(featureSet)"), ("until", JSONText.quoted(until)), ("choices", "[" + list.joined(separator: ",") + "]")])
    }
}
