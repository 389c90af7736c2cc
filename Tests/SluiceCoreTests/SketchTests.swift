import SluiceCore
import Testing

@Suite("Distinct sketches, numeric statistics and durations")
struct SketchTests {
    @Test("register max, 32 at a time, equals the element-wise max", arguments: [4096, 4097, 31, 0])
    func registerMax(count: Int) {
        var random = SystemRandomNumberGenerator()
        let left = (0..<count).map { _ in UInt8.random(in: 0...60, using: &random) }
        let right = (0..<count).map { _ in UInt8.random(in: 0...60, using: &random) }
        var merged = left
        DistinctSketch.maxRegisters(&merged, right)
        #expect(merged == zip(left, right).map { max($0, $1) })
    }

    @Test("distinct counts are exact up to the limit")
    func exactDistinct() {
        var sketch = DistinctSketch.empty
        for value in 0..<DistinctSketch.exactLimit { sketch.insert(StableHash.hash("v\(value)")) }
        for value in 0..<100 { sketch.insert(StableHash.hash("v\(value)")) }
        #expect(sketch.count == Double(DistinctSketch.exactLimit))
        guard case .exact = sketch else {
            Issue.record("still exact at the limit")
            return
        }
    }

    @Test("past the limit, HyperLogLog stays within 4 standard errors", arguments: [2_000, 20_000, 200_000])
    func hyperLogLogError(_ cardinality: Int) {
        var sketch = DistinctSketch.empty
        for value in 0..<cardinality { sketch.insert(StableHash.hash("card-\(value)")) }
        let relativeError = abs(sketch.count - Double(cardinality)) / Double(cardinality)
        #expect(relativeError < 4 * 1.04 / Double(DistinctSketch.registerCount).squareRoot(), "error \(relativeError)")
    }

    @Test("merging sketches equals inserting everything into one")
    func mergeDistinct() {
        var left = DistinctSketch.empty
        var right = DistinctSketch.empty
        var both = DistinctSketch.empty
        for value in 0..<1500 {
            let hash = StableHash.hash("m\(value % 1200)")
            if value % 3 == 0 { left.insert(hash) } else { right.insert(hash) }
            both.insert(hash)
        }
        left.merge(right)
        #expect(left.count == both.count)
    }

    @Test("Chan's merge of M2 equals the two-pass variance")
    func numericMerge() {
        let values: [Double] = (0..<1000).map { 1e6 + Double(($0 * 7919) % 1000) / 100 }
        var whole = NumericStats()
        var left = NumericStats()
        var right = NumericStats()
        for (index, value) in values.enumerated() {
            whole.add(value)
            if index % 2 == 0 { left.add(value) } else { right.add(value) }
        }
        left.merge(right)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        #expect(abs(whole.standardDeviation! - variance.squareRoot()) < 1e-6)
        #expect(abs(left.standardDeviation! - variance.squareRoot()) < 1e-6)
        #expect(left.count == 1000 && left.minimum == whole.minimum && left.maximum == whole.maximum)
    }

    @Test(
        "durations",
        arguments: [("500ms", 500), ("1s", 1000), ("2m", 120_000), ("24h", 86_400_000), ("30d", 2_592_000_000)]
            as [(String, Int64)])
    func durations(_ text: String, _ milliseconds: Int64) {
        #expect(DurationText.milliseconds(text) == milliseconds)
        #expect(DurationText.milliseconds(DurationText.format(milliseconds)) == milliseconds)
    }

    @Test("invalid durations", arguments: ["", "5", "1w", "-1s", "1.5h", "s"])
    func invalidDurations(_ text: String) {
        #expect(DurationText.milliseconds(text) == nil)
    }
}
