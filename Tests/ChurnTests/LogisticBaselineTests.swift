@testable import Churn
import Foundation
@testable import OmnisegCore
import Testing

/// The logistic-regression baseline against data drawn from a known model, and the calibration error.
@Suite struct LogisticBaselineTests {
    @Test func newtonRecoversTheWeightsOfTheModelThatDrewTheLabels() throws {
        // Three features on different scales; churn drawn from σ(−0.5 + 1.2·z₀ − 0.8·z₁ + 0·z₂) of the standardized values.
        var rng = SplitMix64(seed: 11)
        let n = 20_000
        func normal() -> Double { (-2 * log(max(rng.unit(), 1e-300))).squareRoot() * cos(2 * Double.pi * rng.unit()) }
        var x = [[Float]](), labels = [UInt8]()
        let truth = [1.2, -0.8, 0.0], intercept = -0.5
        for _ in 0..<n {
            let z = [normal(), normal(), normal()]
            x.append([Float(100 + 30 * z[0]), Float(z[1] / 10), Float(5 + 2 * z[2])])
            let p = 1 / (1 + exp(-(intercept + zip(truth, z).reduce(0) { $0 + $1.0 * $1.1 })))
            labels.append(rng.unit() < p ? 1 : 0)
        }
        let fitted = LogisticBaseline.fit(rows: n, features: 3, labels: labels) { x[$0][$1] }
        #expect(fitted.iterations < 15 && fitted.rows == n)
        for f in 0..<3 { #expect(abs(fitted.weights[f] - truth[f]) < 0.08, "weight \(f): \(fitted.weights[f]) against \(truth[f])") }
        #expect(abs(fitted.weights[3] - intercept) < 0.08, "intercept \(fitted.weights[3])")
        #expect(abs(fitted.means[0] - 100) < 1 && abs(fitted.scales[0] - 30) < 1, "standardized on the fitted rows")
        #expect(LogisticBaseline.fit(rows: n, features: 3, labels: labels) { x[$0][$1] } == fitted, "deterministic")
        var w = WireWriter()
        fitted.encode(into: &w)
        var r = WireReader(w.bytes, what: "baseline")
        #expect(try LogisticBaseline.decode(from: &r) == fitted)
    }

    @Test func separableOrConstantFeaturesStillGiveFiniteWeights() {
        // Perfectly separated by feature 0; feature 1 constant; one value not finite.
        let values: [[Float]] = (0..<200).map { [Float($0), 7] } + [[.nan, 7]]
        let labels: [UInt8] = (0..<200).map { $0 >= 100 ? 1 : 0 } + [1]
        let fitted = LogisticBaseline.fit(rows: values.count, features: 2, labels: labels) { values[$0][$1] }
        #expect(fitted.weights.allSatisfy(\.isFinite) && fitted.scales[1] == 1)
        #expect(fitted.probability { [150, 7][$0] } > 0.9 && fitted.probability { [50, 7][$0] } < 0.1)
    }

    @Test func calibrationErrorIsThePeopleWeightedGap() {
        // Scores 0.1 for ten people of whom none churned, 0.9 for ten of whom all churned: gaps 0.1 and 0.1.
        let scores: [Float] = Array(repeating: 0.1, count: 10) + Array(repeating: 0.9, count: 10)
        let labels: [UInt8] = Array(repeating: 0, count: 10) + Array(repeating: 1, count: 10)
        let e = ChurnEvaluation(scores: scores, labels: labels)
        #expect(abs(e.calibrationError - 0.1) < 1e-6, "\(e.calibrationError)")
        #expect(ChurnEvaluation.empty.calibrationError == 0)
    }
}
