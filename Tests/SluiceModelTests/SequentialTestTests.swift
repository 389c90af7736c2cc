import Foundation
import SluiceCore
import SluiceModel
import SluiceTesting
import Testing

/// The always-valid p-value: looking after every observation does not inflate false alarms
/// beyond the level, where a fixed-sample z-test looked at as often does; a real difference is
/// found.
@Suite("Sequential test (mSPRT)")
struct SequentialTestTests {
    /// Bernoulli-like losses: 0 or 1 with the given means, arriving alternately.
    static func run(
        _ random: inout SeededRandom, baseline: Double, treatment: Double, count: Int,
        peekingZ: inout Bool
    ) -> Double {
        var test = SequentialTest(mixtureSD: 0.1)
        var sums = [0.0, 0.0]
        var counts = [0, 0]
        for index in 0..<count {
            let isTreatment = index % 2 == 1
            let value: Double = random.unit() < (isTreatment ? treatment : baseline) ? 1 : 0
            test.observe(value, isTreatment: isTreatment)
            sums[isTreatment ? 1 : 0] += value
            counts[isTreatment ? 1 : 0] += 1
            // A naive z-test of the difference of proportions, looked at every 50 observations.
            if index % 50 == 49 {
                let pA = sums[0] / Double(counts[0])
                let pB = sums[1] / Double(counts[1])
                let pooled = (sums[0] + sums[1]) / Double(counts[0] + counts[1])
                let se = (pooled * (1 - pooled) * (1 / Double(counts[0]) + 1 / Double(counts[1]))).squareRoot()
                if se > 0 && abs(pB - pA) / se > 1.959963984540054 { peekingZ = true }
            }
        }
        return test.pValue
    }

    @Test(
        "A/A: under 5% of runs ever reach p < 0.05 though looked at after every payment; a peeking z-test does far worse"
    )
    func noInflation() {
        var random = SeededRandom(seed: TestSeed.draw(for: "msprt-aa"))
        var alarms = 0
        var naiveAlarms = 0
        let runs = 300
        for _ in 0..<runs {
            var naive = false
            if Self.run(&random, baseline: 0.2, treatment: 0.2, count: 4_000, peekingZ: &naive) < 0.05 { alarms += 1 }
            if naive { naiveAlarms += 1 }
        }
        #expect(Double(alarms) / Double(runs) <= 0.05, "mSPRT false alarms: \(alarms) of \(runs)")
        #expect(Double(naiveAlarms) / Double(runs) > 0.15, "peeking z-test false alarms: \(naiveAlarms) of \(runs)")
    }

    @Test("A/B: a real difference of 0.2 vs 0.25 is found in most runs of 4,000 observations")
    func power() {
        var random = SeededRandom(seed: TestSeed.draw(for: "msprt-ab"))
        var found = 0
        for _ in 0..<100 {
            var naive = false
            if Self.run(&random, baseline: 0.2, treatment: 0.25, count: 4_000, peekingZ: &naive) < 0.05 { found += 1 }
        }
        #expect(found >= 70, "found \(found) of 100")
    }

    @Test("the p-value is the running minimum of 1/Λ of the documented formula")
    func formula() {
        let values: [(Double, Bool)] = [(1, false), (0, true), (0, false), (1, true), (1, true), (0, false), (1, true)]
        var test = SequentialTest(mixtureSD: 0.5)
        var expected = 1.0
        var seen: [[Double]] = [[], []]
        for (value, isTreatment) in values {
            test.observe(value, isTreatment: isTreatment)
            seen[isTreatment ? 1 : 0].append(value)
            guard seen[0].count > 1, seen[1].count > 1 else { continue }
            func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }
            func variance(_ xs: [Double]) -> Double {
                xs.reduce(0) { $0 + pow($1 - mean(xs), 2) } / Double(xs.count - 1)
            }
            let v = variance(seen[0]) / Double(seen[0].count) + variance(seen[1]) / Double(seen[1].count)
            let pooled =
                (variance(seen[0]) * Double(seen[0].count - 1) + variance(seen[1]) * Double(seen[1].count - 1))
                / Double(seen[0].count + seen[1].count - 2)
            let tau2 = 0.25 * pooled
            let theta = mean(seen[1]) - mean(seen[0])
            let lambda = (v / (v + tau2)).squareRoot() * exp(tau2 * theta * theta / (2 * v * (v + tau2)))
            expected = min(expected, min(1, 1 / lambda))
            #expect(abs(test.pValue - expected) < 1e-12)
        }
    }
}
