import SluiceCore

public enum SkewVerifier {
    /// Compares `sample` rows of `served` (all when nil), picked with `seed`, with `offline`.
    public static func compare(
        served: FeatureLogTable, offline: FeatureLogTable, sample: Int?, seed: UInt64 = 1, tolerance: Double = 0
    ) throws -> SkewReport {
        guard served.featureNames == offline.featureNames else {
            throw OfflineError(
                .columnsDiffer,
                "the two logs have different feature columns; served: \(served.featureNames.count), offline: \(offline.featureNames.count)"
            )
        }
        var offlineRow: [Int64: Int] = [:]
        offlineRow.reserveCapacity(offline.count)
        for row in 0..<offline.count { offlineRow[key(offline.partitions[row], offline.offsets[row])] = row }

        var rows = Array(0..<served.count)
        if let sample, sample < rows.count {
            var random = SeededRandom(seed: seed)
            rows.shuffle(using: &random)
            rows = Array(rows.prefix(sample)).sorted()
        }
        var report = SkewReport()
        report.sampled = rows.count
        report.features = served.featureNames.map { SkewReport.FeatureResult(name: $0) }
        var servedKeys = Set<Int64>()
        for row in 0..<served.count { servedKeys.insert(key(served.partitions[row], served.offsets[row])) }
        report.missingServed = offlineRow.keys.filter { !servedKeys.contains($0) }.count
        for row in rows {
            guard let other = offlineRow[key(served.partitions[row], served.offsets[row])] else {
                report.missingOffline += 1
                continue
            }
            for column in served.featureNames.indices {
                let left = served.features[column][row]
                let right = offline.features[column][other]
                report.features[column].compared += 1
                if !same(left, right, tolerance: tolerance) {
                    report.features[column].mismatches += 1
                    if report.features[column].example == nil {
                        report.features[column].example = (served.partitions[row], served.offsets[row], left, right)
                    }
                }
            }
        }
        return report
    }

    private static func key(_ partition: Int32, _ offset: Int64) -> Int64 { Int64(partition) << 48 | offset }

    private static func same(_ left: Double?, _ right: Double?, tolerance: Double) -> Bool {
        if FeatureLogRow.sameFeature(left, right) { return true }
        guard tolerance > 0, let left, let right else { return false }
        return abs(left - right) <= tolerance * max(1, abs(left), abs(right))
    }
}
