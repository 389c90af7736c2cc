import ArgumentParser
import Foundation
import SluiceModel

/// Times `XGBoostScorer` on rows written by scripts/py/xgboost_reference.py, on one thread: a
/// batch of all rows (rows/s) and one row at a time (latency percentiles). Prints one JSON line.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Time scoring an XGBoost JSON model on rows of float32.")

    @Option(help: "The model (XGBoost JSON).")
    var model: String
    @Option(help: "Rows: raw little-endian float32, row-major, NaN for missing.")
    var rows: String
    @Option var rounds = 5
    @Option(help: "Rows timed one at a time.")
    var singleRows = 20_000

    func run() throws {
        let scorer = XGBoostScorer(try XGBoostModel.parse(try Data(contentsOf: URL(fileURLWithPath: model))))
        let data = try Data(contentsOf: URL(fileURLWithPath: rows))
        let matrix = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let rowCount = matrix.count / scorer.featureCount
        var scores = [Float](repeating: 0, count: rowCount)
        let clock = ContinuousClock()
        var best = Double.infinity
        var checksum: Float = 0
        for _ in 0..<rounds {
            let started = clock.now
            matrix.withUnsafeBufferPointer { matrix in
                scores.withUnsafeMutableBufferPointer { scores in
                    scorer.score(matrix: matrix, rowCount: rowCount, into: scores)
                }
            }
            best = min(best, seconds(clock.now - started))
            checksum += scores[rowCount / 2]
        }
        var latencies: [Double] = []
        latencies.reserveCapacity(singleRows)
        matrix.withUnsafeBufferPointer { matrix in
            for index in 0..<singleRows {
                let row = index % rowCount
                let started = clock.now
                checksum += scorer.score(
                    UnsafeBufferPointer(
                        rebasing: matrix[(row * scorer.featureCount)..<((row + 1) * scorer.featureCount)]))
                latencies.append(seconds(clock.now - started) * 1e6)
            }
        }
        latencies.sort()
        let figures: [String: Double] = [
            "rows": Double(rowCount), "trees": Double(scorer.treeCount),
            "batch_rows_per_second": Double(rowCount) / best,
            "single_p50_us": latencies[latencies.count / 2], "single_p99_us": latencies[latencies.count * 99 / 100],
            "checksum": Double(checksum),
        ]
        let json = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    private func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
