import SluiceCore
import SluiceTesting
import Testing

@testable import SluiceDrift

@Suite("Radix sort of doubles")
struct RadixSortTests {
    @Test("equals the standard library's order: negatives, zeros of both signs, ties, infinities, subnormals")
    func matchesSorted() {
        var random = SeededRandom(seed: TestSeed.draw(for: "radix-sort"))
        for count in [0, 1, 5, 4_095, 4_096, 50_000] {
            var values: [Double] = (0..<count).map { index in
                switch index % 7 {
                case 0: (random.unit() - 0.5) * 1e6
                case 1: (random.unit() * 20).rounded() - 10  // ties
                case 2: index % 2 == 0 ? 0.0 : -0.0
                case 3: Double.leastNonzeroMagnitude * Double(random.below(5) - 2)
                case 4: index % 3 == 0 ? .infinity : -.infinity
                case 5: -random.unit() * 1e-300
                default: random.unit()
                }
            }
            values.shuffle(using: &random)
            let radix = RadixSort.sorted(values)
            let expected = values.sorted()
            // −0 and +0 compare equal; everything else must be in the same place.
            #expect(radix.count == expected.count)
            #expect(zip(radix, expected).allSatisfy { $0 == $1 }, "\(count) values")
        }
    }
}
