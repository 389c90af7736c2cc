import Foundation
import Logging
import SluiceCore
import SluiceDrift
import SluiceKafka
import SluiceTraining

/// Reads what a policy's triggers judge from the live topics (docs/continuous-training.md): the
/// drift monitor's windows closed since the last run, the champion's newest concept window, and
/// the labels that arrived since.
public enum TriggerEvidenceReader {
    public struct Evidence: Sendable, Equatable {
        /// Data-drift windows closed since the last run, oldest window first, each with the
        /// monitored columns that drifted in it.
        public var driftWindows: [RetrainTrigger.DriftWindow] = []
        /// The champion's figures in its newest concept window judged since the last run.
        public var championLive: ModelQuality?
        public var labelsMatured = 0
    }

    /// - Parameters:
    ///   - since: the last run's request time (epoch ms); nil: everything on the topics counts.
    ///   - champion: the deployed champion (model and version), whose concept windows count.
    public static func read(
        driftTopic: String, labelsTopic: String, model: String, champion: Int?, since: Int64?,
        client: KafkaClientConfiguration, logger: Logger
    ) async throws -> Evidence {
        var evidence = Evidence()
        var columns: [Int64: (end: Int64, statistics: [String: String])] = [:]
        var newestConcept: ConceptWindowRecord?
        let decoder = JSONDecoder()
        do {
            _ = try await TopicSnapshot.read(
                topic: driftTopic, role: "drift", client: client, logger: logger, timeout: .seconds(120), from: since
            ) { message in
                let data = Data(message.value)
                if let concept = try? decoder.decode(ConceptWindowRecord.self, from: data) {
                    guard concept.model == model, concept.variant == "champion", concept.version == champion,
                        concept.closedAt >= since ?? .min
                    else { return }
                    if newestConcept.map({ concept.windowEnd >= $0.windowEnd }) ?? true { newestConcept = concept }
                } else if let record = try? decoder.decode(DriftWindowRecord.self, from: data),
                    record.closedAt >= since ?? .min
                {
                    var window = columns[record.windowStart] ?? (record.windowEnd, [:])
                    if let decision = record.comparison.decision, decision.drifted {
                        window.statistics[record.column] =
                            "\(decision.method.rawValue) \(DriftNumberFormat.number(decision.value))"
                    }
                    columns[record.windowStart] = window
                }
            }
        } catch let error as OfflineError where error.code == .topicMissing {
            // No monitor has published yet.
        }
        evidence.driftWindows = columns.sorted { $0.key < $1.key }.map {
            RetrainTrigger.DriftWindow(
                end: $0.value.end, driftedColumns: $0.value.statistics.keys.sorted(), statistics: $0.value.statistics)
        }
        if let metrics = newestConcept?.metrics {
            evidence.championLive = ModelQuality(
                labeled: metrics.labeled, positives: metrics.fraud, prAUC: metrics.prAUC, rocAUC: metrics.rocAUC,
                recallAt1PercentFPR: metrics.recallAt1PercentFPR)
        }
        do {
            var book = LabelBook()
            // By the labels' own times: a label's message may have been produced long after it
            // became known (a batch of chargebacks).
            _ = try await TopicSnapshot.read(
                topic: labelsTopic, role: "labels", client: client, logger: logger, timeout: .seconds(120)
            ) { message in
                if let time = book.add(json: message.value), time >= since ?? .min { evidence.labelsMatured += 1 }
            }
        } catch let error as OfflineError where error.code == .topicMissing {
            // No label yet.
        }
        return evidence
    }
}
