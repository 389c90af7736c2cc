import Foundation
import SluiceDrift
import SluiceOffline
import SluiceTesting
import Testing

@Suite("sluice drift compare against numpy and scipy")
struct ParquetDriftComparisonTests {
    @Test(
        "each statistic equals its reference (relative error 1e-9) on pairs that reach every branch",
        arguments: [17, 29])
    func againstScipy(seed: Int) async throws {
        let (folder, manifest) = try await DriftFixtures.pairs(seed: seed)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(manifest.count == 8)
        for (name, pair) in manifest.sorted(by: { $0.key < $1.key }) {
            let (reference, current) = (pair["reference"]!, pair["current"]!)
            let comparison = try ParquetDriftComparison.compare(reference: reference, current: current)
            let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(comparison)) as! [String: Any]
            let columns = Dictionary(
                uniqueKeysWithValues: (json["columns"] as! [[String: Any]]).map { ($0["column"] as! String, $0) })
            let expected = try await Self.reference(["compare", reference, current, "10"]) as! [String: [String: Any]]
            #expect(Set(columns.keys) == Set(expected.keys), "\(name)")
            for (column, want) in expected {
                let got = try #require(columns[column], "\(name) \(column)")
                Self.check(got, want, label: "\(name) \(column)")
            }
        }
    }

    /// The reference script's JSON line, as Foundation objects (its keys are snake_case).
    static func reference(_ arguments: [String]) async throws -> Any {
        let output = try await PythonTools.run("drift_reference.py", arguments)
        let line = output.split(separator: "\n").last.map(String.init) ?? ""
        return try JSONSerialization.jsonObject(with: Data(line.utf8))
    }

    static func close(_ value: Double?, _ expected: Double?) -> Bool {
        guard let value, let expected else { return value == nil && expected == nil }
        if abs(expected) < Double.leastNormalMagnitude { return abs(value) < 1e-290 }
        return abs(value - expected) <= 1e-9 * abs(expected) || abs(value - expected) <= 1e-15
    }

    /// Compares what `sluice drift compare --json` holds with the reference's values, key by key.
    static func check(_ got: [String: Any], _ want: [String: Any], label: String) {
        for (key, expected) in want {
            switch key {
            case "kind":
                #expect(got["kind"] as? String == expected as? String, "\(label) kind")
            case "categories", "unseen":
                let name = key == "unseen" ? "unseen_categories" : key
                #expect(got[name] as? [String] == expected as? [String], "\(label) \(key)")
            case "reference_null_share", "current_null_share":
                let side = got[key == "reference_null_share" ? "reference" : "current"] as? [String: Any]
                #expect(close(side?["null_share"] as? Double, expected as? Double), "\(label) \(key)")
            case "chi2_dof":
                #expect(got[key] as? Int == expected as? Int, "\(label) chi2_dof")
            default:
                if let values = expected as? [Double] {
                    let gotValues = got[key] as? [Double] ?? []
                    #expect(gotValues.count == values.count, "\(label) \(key) count")
                    for (value, reference) in zip(gotValues, values) {
                        #expect(close(value, reference), "\(label) \(key): \(value) vs \(reference)")
                    }
                } else {
                    let value = got[key] as? Double
                    #expect(
                        close(value, expected as? Double),
                        "\(label) \(key): \(String(describing: value)) vs \(String(describing: expected))")
                }
            }
        }
    }
}
