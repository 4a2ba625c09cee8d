import Foundation
@testable import TestSupport
import Testing

/// `omniseg recommend evaluate` from the command line: the time split it is given, its JSON, and the
/// errors that name the option at fault.
@Suite struct EvaluateCommandTests {
    @Test func recommendEvaluateBuildsFeaturesAsOfTheSplitAndPrintsTheBaselines() throws {
        let cluster = try ClusterHarness()
        let ws = ["-w", cluster.workspacePath, "--threads", "2"]
        let run = try cluster.omniseg(["recommend", "evaluate", "--train-until", "2026-03-31", "--test-until", "2026-04-30", "--json"] + ws, redis: false)
        #expect(run.status == 0, "\(run.err)")
        let built = try #require(run.err.firstMatch(of: /built feature set (\d+) as of 2026-03-31/), "\(run.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        #expect(json["feature_set"] as? Int == Int(built.1) && json["train_until"] as? String == "2026-03-31")
        let evaluation = try #require(json["evaluation"] as? [String: Any])
        #expect(evaluation["holdout_days"] as? Int == 30 && evaluation["k"] as? Int == 10)
        let methods = try #require(evaluation["methods"] as? [String: [String: Any]])
        #expect(Set(methods.keys) == ["recommender", "popularity", "own_history_then_popularity"])
        for (name, method) in methods {
            let all = try #require(method["all"] as? [String: Double], "\(name)")
            #expect(Set(all.keys) == ["precision", "recall", "ndcg", "map"] && all.values.allSatisfy { (0...1).contains($0) }, "\(name): \(all)")
            #expect((method["coverage"] as? Double).map { $0 > 0 && $0 <= 1 } == true, "\(name)")
        }
        let people = try #require(evaluation["people"] as? [String: Int])
        #expect((people["all"] ?? 0) > 0 && (people["new"] ?? 0) <= (people["all"] ?? 0))

        // The set just built is reused by id, as the message says; text output names the baselines. (With
        // the damping given, no validation slice is built.)
        let again = try cluster.omniseg(["recommend", "evaluate", "--train-until", "2026-03-31", "--test-until", "2026-04-30", "--feature-set", String(built.1),
                                         "--popularity-damping", "0"] + ws, redis: false)
        #expect(again.status == 0 && !again.err.contains("built feature set"), "\(again.err)")
        #expect(again.out.contains("own history, then popularity") && again.out.contains("against the best baseline"), "\(again.out)")

        // Bad splits are refused by option, before anything runs.
        let refusals: [([String], String)] = [
            (["--train-until", "2026-04-30", "--test-until", "2026-03-31"], "--test-until (2026-03-31) must be after --train-until"),
            (["--train-until", "2026-13-01", "--test-until", "2026-04-30"], "--train-until takes a date like"),
            (["--train-until", "2026-03-30", "--test-until", "2026-04-30", "--feature-set", String(built.1)], "not --train-until 2026-03-30"),
            (["--train-until", "2026-03-31", "--test-until", "2026-04-30", "--holdout-days", "9"], "--holdout-days is set by --train-until"),
            (["--train-until", "2026-03-31", "--test-until", "2099-01-01"], "--test-until 2099-01-01 runs past the newest transaction"),
        ]
        for (args, message) in refusals {
            let refused = try cluster.omniseg(["recommend", "evaluate"] + args + ws, redis: false)
            #expect(refused.status != 0 && refused.err.contains(message) && !refused.err.contains("built feature set"), "\(args): \(refused.err)")
        }
        // `omniseg recommend …` without a subcommand still runs the recommender.
        let plain = try cluster.omniseg(["recommend", "--count", "3", "--feature-set", String(built.1)] + ws, redis: false)
        #expect(plain.status == 0 && plain.out.contains("strongest indicators"), "\(plain.err)")
    }

    @Test func repeatAwareRecommendationsBeatOwnHistoryWithAWeightChosenOnTheValidationSlice() throws {
        let cluster = try ClusterHarness()
        let ws = ["-w", cluster.workspacePath, "--threads", "2"]
        let run = try cluster.omniseg(["recommend", "evaluate", "--train-until", "2026-03-31", "--test-until", "2026-04-30", "--repeats", "--json"] + ws,
                                      redis: false)
        #expect(run.status == 0, "\(run.err)")
        // The test features at the split, then the validation features one window before it.
        let built = run.err.matches(of: /built feature set (\d+) as of (\d{4}-\d{2}-\d{2})/)
        #expect(built.map { String($0.2) } == ["2026-03-31", "2026-03-01"], "\(run.err)")
        let testSet = try #require(built.first.map { String($0.1) })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        let validation = try #require(json["validation"] as? [String: Any])
        #expect(validation["until"] as? String == "2026-03-01", "\(validation)")
        let choices = try #require(validation["choices"] as? [[String: Any]])
        #expect(choices.map { $0["parameter"] as? String } == ["popularity_damping", "repeat_weight"], "\(choices)")
        for choice in choices {
            let trials = try #require(choice["trials"] as? [[String: Double]])
            let best = try #require(trials.max { ($0["precision"] ?? 0) < ($1["precision"] ?? 0) })
            #expect(choice["chosen"] as? Double == best["value"], "the best on the validation slice: \(choice)")
        }
        #expect((choices[1]["trials"] as? [[String: Double]])?.count == 5)
        let methods = try #require((json["evaluation"] as? [String: Any])?["methods"] as? [String: [String: Any]])
        let ours = try #require((methods["recommender"]?["all"] as? [String: Double])?["precision"])
        let own = try #require((methods["own_history_then_popularity"]?["all"] as? [String: Double])?["precision"])
        // The generator's staples come back on their cycles: ranking own items by when they are due
        // beats ranking them by how often they were bought (issue 18 asks for 5 % or more).
        #expect(ours >= 1.05 * own, "P@10 \(ours) against own history's \(own)")
        // Values given are used as they are: no validation runs.
        let given = try cluster.omniseg(["recommend", "evaluate", "--train-until", "2026-03-31", "--test-until", "2026-04-30", "--repeats",
                                         "--repeat-weight", "0.5", "--popularity-damping", "0.25", "--feature-set", testSet] + ws, redis: false)
        #expect(given.status == 0 && !given.out.contains("chosen on the validation slice") && !given.err.contains("built feature set"), "\(given.err)")
    }

    @Test func churnEvaluateTrainsBeforeTheSplitAndEvaluatesAfterItBesideTheBaselines() throws {
        let cluster = try ClusterHarness()
        let ws = ["-w", cluster.workspacePath, "--threads", "2"]
        let run = try cluster.omniseg(["churn", "evaluate", "--train-until", "2026-03-31", "--test-until", "2026-06-29", "--trees", "20", "--json"] + ws,
                                      redis: false)
        #expect(run.status == 0, "\(run.err)")
        // The training set 90 days before the split, then the evaluation set at it.
        let sets = run.err.matches(of: /built feature set (\d+) as of (\d{4}-\d{2}-\d{2})/)
        #expect(sets.map { String($0.2) } == ["2025-12-31", "2026-03-31"], "\(run.err)")
        let evaluationSet = try #require(sets.last.map { String($0.1) })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        #expect((json["labels"] as? String)?.contains("in the 90 days after 2026-03-31") == true, "\(json)")
        let forest = try #require(json["evaluation"] as? [String: Any])
        let baselines = try #require(json["baselines"] as? [String: Any])
        let logistic = try #require(baselines["logistic_regression"] as? [String: Any])
        let recency = try #require(baselines["recency_only"] as? [String: Any])
        for e in [forest, logistic, recency] {
            #expect((e["people"] as? Int) == (forest["people"] as? Int) && (e["roc_auc"] as? Double).map { $0 > 0.6 && $0 <= 1 } == true, "\(e)")
        }
        #expect((forest["calibration_error"] as? Double).map { $0 >= 0 && $0 < 0.5 } == true)

        let text = try cluster.omniseg(["churn", "evaluate", "--train-until", "2026-03-31", "--test-until", "2026-06-29", "--trees", "10"] + ws, redis: false)
        #expect(text.status == 0 && text.out.contains("trained on the 90 days up to 2026-03-31") && text.out.contains("logistic regression")
                && text.out.contains("recency only"), "\(text.out)\n\(text.err)")
        // Without a split, churn evaluate still evaluates a stored model on the feature set named.
        let stored = try cluster.omniseg(["churn", "evaluate", "--feature-set", evaluationSet, "--json"] + ws, redis: false)
        let storedJSON = try? JSONSerialization.jsonObject(with: Data(stored.out.utf8)) as? [String: Any]
        #expect(stored.status == 0 && storedJSON?["evaluation"] != nil && storedJSON?["baselines"] != nil, "\(stored.out)\n\(stored.err)")
        for (args, message) in [(["--horizon-days", "30"], "--horizon-days is set by --train-until"),
                                (["--labels", "1"], "--labels gives its own labels")] {
            let refused = try cluster.omniseg(["churn", "evaluate", "--train-until", "2026-03-31", "--test-until", "2026-06-29"] + args + ws, redis: false)
            #expect(refused.status != 0 && refused.err.contains(message), "\(refused.err)")
        }
    }

    @Test func clusterEvaluateRunsTheSeedsAndTheLaterDate() throws {
        let cluster = try ClusterHarness()
        let ws = ["-w", cluster.workspacePath, "--threads", "2"]
        let run = try cluster.omniseg(["cluster", "evaluate", "--train-until", "2026-03-31", "--test-until", "2026-04-30", "--k", "4", "--seeds", "2",
                                       "--json"] + ws, redis: false)
        #expect(run.status == 0, "\(run.err)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [String: Any])
        let evaluation = try #require(json["evaluation"] as? [String: Any])
        let runs = try #require(evaluation["runs"] as? [[String: Any]])
        #expect(runs.map { $0["seed"] as? Int } == [42, 43] && runs.allSatisfy { $0["k"] as? Int == 4 }, "\(runs)")
        #expect(runs.allSatisfy { ($0["variance_explained"] as? Double).map { $0 > 0 && $0 < 1 } == true })
        #expect((evaluation["stability_ari"] as? Double).map { $0 > 0.3 && $0 <= 1 } == true, "\(evaluation)")
        #expect((evaluation["over_time_ari"] as? Double).map { $0 > 0 && $0 <= 1 } == true && (evaluation["people_over_time"] as? Int ?? 0) > 1000)
        #expect(json["feature_set"] as? Int != json["later_feature_set"] as? Int)
        let refused = try cluster.omniseg(["cluster", "evaluate", "--train-until", "2026-03-31"] + ws, redis: false)
        #expect(refused.status != 0 && refused.err.contains("--test-until is missing"), "\(refused.err)")
        // `omniseg cluster …` without a subcommand runs the job, as `omniseg run cluster …`.
        let plain = try cluster.omniseg(["cluster", "--k", "3"] + ws, redis: false)
        #expect(plain.status == 0 && plain.out.contains("succeeded"), "\(plain.err)")
    }
}
