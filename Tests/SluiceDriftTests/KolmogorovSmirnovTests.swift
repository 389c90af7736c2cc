import Foundation
import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceDrift

@Suite("Kolmogorov-Smirnov and Wasserstein against scipy")
struct KolmogorovSmirnovTests {
    /// Relative error within `tolerance`, or both below the smallest normal double.
    static func close(_ value: Double, _ expected: Double, tolerance: Double = 1e-9) -> Bool {
        if abs(expected) < Double.leastNormalMagnitude { return abs(value) < Double.leastNormalMagnitude * 1e6 }
        return abs(value - expected) <= tolerance * abs(expected)
    }

    @Test("kstwo.sf and smirnov equal scipy's in every region of (n, x) the algorithm distinguishes")
    func distributionsAgainstScipy() async throws {
        var cases: [[Double]] = []
        for n in [1, 2, 5, 10, 37, 100, 140, 141, 500, 3_000, 20_000, 150_000, 2_000_000] {
            let size = Double(n)
            // Ends (t ≤ 1, t ≥ n − 1, x ≥ 0.5), then n·x² across the Durbin, Pomeranz, Pelz-Good
            // and Smirnov regions, and n·x^1.5 around 1.4.
            var xs = [0.3 / size, 0.75 / size, 1 / size, (size - 0.5) / size, 0.5, 0.7, 0.97]
            for nxSquared in [0.05, 0.3, 0.7, 0.754, 0.76, 1.5, 2.19, 2.21, 3.9, 4.1, 10, 17, 19, 50, 369, 371] {
                xs.append((nxSquared / size).squareRoot())
            }
            xs.append(pow(1.39 / size, 2.0 / 3))
            xs.append(pow(1.41 / size, 2.0 / 3))
            for x in xs where x > 0 && x < 1 { cases.append([size, x]) }
        }
        let file = try Self.write(cases)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let expected =
            try await ParquetDriftComparisonTests.reference(["distributions", file]) as! [[String: Double]]
        #expect(expected.count == cases.count)
        for (pair, reference) in zip(cases, expected) {
            let (n, x) = (Int(pair[0]), pair[1])
            let survival = KolmogorovDistribution.survival(n: n, x: x)
            let kstwo = reference["kstwo_sf"] ?? .nan
            #expect(Self.close(survival, kstwo), "kstwo.sf(\(x), \(n)): \(survival) vs \(kstwo)")
            let smirnov = SmirnovDistribution.survival(n: n, x: x)
            let expectedSmirnov = reference["smirnov"] ?? .nan
            #expect(Self.close(smirnov, expectedSmirnov), "smirnov(\(n), \(x)): \(smirnov) vs \(expectedSmirnov)")
        }
    }

    @Test("ks_2samp (statistic and p-value, exact and asymptotic) and wasserstein_distance equal scipy's")
    func samplesAgainstScipy() async throws {
        var random = SeededRandom(seed: TestSeed.draw(for: "ks-2samp"))
        // Sizes reach the exact method with equal and unequal sizes and the asymptotic one at
        // effective sizes in each region; coarse values make ties.
        let sizes = [
            (1, 1), (3, 8), (40, 40), (250, 400), (1_000, 999), (10_000, 300), (12_000, 11_000), (40_000, 25),
            (15_000, 120), (60_000, 50_000),
        ]
        var samples: [[String: [Double]]] = []
        for (index, (first, second)) in sizes.enumerated() {
            let shift = [0.0, 0.02, 0.3][index % 3]
            let coarse = index % 2 == 0
            func draw(_ count: Int, _ offset: Double) -> [Double] {
                (0..<count).map { _ in
                    let value = Self.normal(&random) + offset
                    return coarse ? (value * 10).rounded() / 10 : value
                }
            }
            samples.append(["reference": draw(first, 0), "current": draw(second, shift)])
        }
        let file = try Self.write(samples)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let expected = try await ParquetDriftComparisonTests.reference(["samples", file]) as! [[String: Double]]
        for (sample, reference) in zip(samples, expected) {
            let first = sample["reference"]!.sorted()
            let second = sample["current"]!.sorted()
            let test = KolmogorovSmirnovTest.twoSample(sortedReference: first, sortedCurrent: second)
            let label = "\(first.count) vs \(second.count), \(test.method)"
            let (statistic, pValue) = (reference["ks_statistic"] ?? .nan, reference["ks_pvalue"] ?? .nan)
            #expect(Self.close(test.statistic, statistic), "\(label): D \(test.statistic) vs \(statistic)")
            #expect(Self.close(test.pValue, pValue), "\(label): p \(test.pValue) vs \(pValue)")
            let distance = WassersteinDistance.between(sortedReference: first, sortedCurrent: second)
            let wasserstein = reference["wasserstein"] ?? .nan
            #expect(Self.close(distance, wasserstein, tolerance: 1e-12), "\(label): W \(distance) vs \(wasserstein)")
        }
    }

    @Test("identical samples: D = 0, p = 1, distance 0")
    func identicalSamples() {
        let values = [1.0, 2, 2, 3, 5]
        let test = KolmogorovSmirnovTest.twoSample(sortedReference: values, sortedCurrent: values)
        #expect(test.statistic == 0 && test.pValue == 1 && test.method == .exact)
        #expect(WassersteinDistance.between(sortedReference: values, sortedCurrent: values) == 0)
    }

    static func normal(_ random: inout SeededRandom) -> Double {
        let u = max(random.unit(), Double.leastNonzeroMagnitude)
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * random.unit())
    }

    static func write(_ object: Any) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(TestServices.uniqueName("drift")).path
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: file))
        return file
    }
}
