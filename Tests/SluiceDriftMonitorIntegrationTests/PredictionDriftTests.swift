import Foundation
import SluiceCore
import SluiceDrift
import SluiceKafka
import SluiceKafkaTesting
import SluiceOffline
import SluiceParquet
import SluiceTesting
import Testing

/// `sluice drift run` on the prediction log: the served vectors' features and the score, per
/// window, against a reference training set.
@Suite("sluice drift run on the prediction log", .timeLimit(.minutes(3)))
struct PredictionDriftTests {
    static let hour: Int64 = 3_600_000

    struct Prediction {
        var model: String
        var served: Bool
        var eventTime: Int64
        var requestID: String
        var average: Double
        var count: Double?
        var score: Double
    }

    static func normal(_ random: inout SeededRandom, mean: Double, deviation: Double) -> Double {
        let u = max(random.unit(), Double.leastNonzeroMagnitude)
        return mean + deviation * (-2 * log(u)).squareRoot() * cos(2 * Double.pi * random.unit())
    }

    static func json(_ prediction: Prediction) -> [UInt8] {
        let count = prediction.count.map { String($0) } ?? "null"
        return Array(
            """
            {"request_id":"\(prediction.requestID)","event_id":"e-\(prediction.requestID)","model":"\(prediction.model)",\
            "version":1,"variant":"\(prediction.served ? "champion" : "shadow")","served":\(prediction.served),\
            "score":\(prediction.score),"features":{"card__amount_avg_24h":\(prediction.average),\
            "card__txn_count_1h":\(count)},"event_time":\(prediction.eventTime),"served_at":\(prediction.eventTime + 5),\
            "latency_us":300.5}
            """.utf8)
    }

    @Test("features and score per window equal the batch comparison of the served predictions of the model")
    func featuresAndScore() async throws {
        let sluice = try TestProcess.sluiceExecutable()
        let folder = NSTemporaryDirectory() + "/" + TestServices.uniqueName("drift-predictions")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var random = SeededRandom(seed: 17)

        // The reference: a training set's feature columns and scores.
        let reference = folder + "/train.parquet"
        let writer = try ParquetWriter(
            path: reference,
            schema: [
                ParquetField("event_id", .string), ParquetField("card__amount_avg_24h", .double),
                ParquetField("card__txn_count_1h", .double), ParquetField("score", .double),
                ParquetField("label", .int32),
            ])
        for row in 0..<3_000 {
            try writer.append("t-\(row)")
            try writer.append(Self.normal(&random, mean: 100, deviation: 20))
            try writer.append(random.below(10) == 0 ? nil : Double(random.below(6)))
            try writer.append(random.unit() * 0.2)
            try writer.append(Int32(random.below(100) == 0 ? 1 : 0))
            try writer.endRow()
        }
        _ = try writer.close()

        // Three hours of predictions, the third with larger averages; shadows, another model's
        // records and unreadable messages around them; then half an hour more to close the third.
        let base: Int64 = 1_796_000_400_000  // a whole hour
        var predictions: [Prediction] = []
        for index in 0..<3_800 {
            let time = base + Int64(index) * 3_500
            let shifted = time >= base + 2 * Self.hour
            predictions.append(
                Prediction(
                    model: "fraud", served: true, eventTime: time, requestID: "r-\(index)",
                    average: Self.normal(&random, mean: shifted ? 150 : 100, deviation: 20),
                    count: random.below(10) == 0 ? nil : Double(random.below(6)), score: random.unit() * 0.2))
            if index % 10 == 0 {
                predictions.append(
                    Prediction(
                        model: "fraud", served: false, eventTime: time, requestID: "s-\(index)", average: 1e6,
                        count: 99,
                        score: 0.99))
                predictions.append(
                    Prediction(
                        model: "other", served: true, eventTime: time, requestID: "o-\(index)", average: -1e6,
                        count: 99,
                        score: 0.99))
            }
        }
        let topic = try await KafkaTestSupport.makeTopic("drift-predictions", partitions: 2)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(client: TestServices.kafkaClient))
        for (index, prediction) in predictions.enumerated() {
            try producer.enqueue(
                KafkaProducerMessage(topic: topic, partition: Int32(index % 2), key: nil, value: Self.json(prediction)))
            if index % 1_000 == 0 {
                try producer.enqueue(
                    KafkaProducerMessage(topic: topic, partition: 0, key: nil, value: Array("not json".utf8)))
            }
        }
        try await producer.flush()

        let group = TestServices.uniqueName("drift-pred")
        let run = try await TestProcess.run(
            sluice,
            [
                "drift", "run", "--reference", reference, "--predictions-topic", topic, "--model", "fraud", "--group",
                group, "--parts-topic", group + ".parts", "--drift-topic", group + ".out", "--allowed-lateness", "30m",
                "--idle-timeout", "1s", "--until-idle", "--metrics-port", "0",
            ])
        #expect(run.status == 0, "\(run.output)")
        let unreadable = (predictions.count - 1) / 1_000 + 1
        #expect(run.output.contains("3,800 events") && run.output.contains("\(unreadable) unreadable"), "\(run.output)")
        var records: [String: [String: Any]] = [:]
        for message in try await KafkaTestSupport.readAll(topic: group + ".out", partitions: 1) {
            records[String(decoding: message.key ?? [], as: UTF8.self)] =
                try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any]
        }
        #expect(records.count == 9, "three windows of three columns: \(records.keys.sorted())")

        let referenceSamples = try ParquetDriftComparisonReference.read(reference)
        for window in [base, base + Self.hour, base + 2 * Self.hour] {
            let served = predictions.filter {
                $0.served && $0.model == "fraud" && $0.eventTime >= window && $0.eventTime < window + Self.hour
            }
            let expected = DatasetComparison.compare(
                reference: referenceSamples,
                current: [
                    ("card__amount_avg_24h", .numeric(served.map(\.average))),
                    ("card__txn_count_1h", .numeric(served.map(\.count))),
                    ("score", .numeric(served.map(\.score))),
                ], columns: ["card__amount_avg_24h", "card__txn_count_1h", "score"])
            for column in expected.columns {
                let record = try #require(records["\(window):\(column.column)"])
                #expect(record["topic"] as? String == topic)
                let comparison = try #require(record["comparison"] as? [String: Any])
                for (key, value) in [
                    ("psi", column.psi), ("ks_pvalue", column.kolmogorovSmirnov?.pValue),
                    ("wasserstein", column.wasserstein),
                ] {
                    #expect(
                        TestNumbers.close((comparison[key] as? NSNumber)?.doubleValue, value), "\(column.column) \(key)"
                    )
                }
                let current = comparison["current"] as? [String: Any]
                #expect((current?["rows"] as? NSNumber)?.intValue == served.count)
                #expect(
                    TestNumbers.close((current?["null_share"] as? NSNumber)?.doubleValue, column.current.nullShare))
                #expect(record["drifted"] as? Bool == column.decision?.drifted)
            }
        }
        #expect(records["\(base + 2 * Self.hour):card__amount_avg_24h"]?["drifted"] as? Bool == true)
        #expect(records["\(base):card__amount_avg_24h"]?["drifted"] as? Bool == false)
        #expect(records["\(base + 2 * Self.hour):score"]?["drifted"] as? Bool == false)
    }
}

@Suite("sluice drift run: bad plans", .timeLimit(.minutes(5)))
struct DriftRunPlanTests {
    @Test("a reference column that matches no stream, or a source topic that does not exist: exit 1 saying which")
    func badPlans() async throws {
        let sluice = try TestProcess.sluiceExecutable()
        let folder = NSTemporaryDirectory() + "/" + TestServices.uniqueName("drift-plan")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func reference(_ column: String) throws -> String {
            let path = folder + "/\(column).parquet"
            let writer = try ParquetWriter(path: path, schema: [ParquetField(column, .double)])
            for value in 0..<100 {
                try writer.append(Double(value))
                try writer.endRow()
            }
            _ = try writer.close()
            return path
        }
        let common = ["--metrics-port", "0", "--quiet", "--group", TestServices.uniqueName("plan")]
        let unmatched = try await TestProcess.run(
            sluice, ["drift", "run", "--reference", try reference("mystery")] + common)
        #expect(unmatched.status == 1)
        #expect(unmatched.output.contains("reference column mystery match no stream"), "\(unmatched.output)")
        let asked = try await TestProcess.run(
            sluice, ["drift", "run", "--reference", try reference("amount"), "--columns", "amount,nope"] + common)
        #expect(asked.status == 1 && asked.output.contains("the reference has no column nope"), "\(asked.output)")
        let missingTopic = TestServices.uniqueName("absent")
        let topology = folder + "/topology.yaml"
        let text = try String(contentsOfFile: TestRepository.path("topologies/fraud.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "\n  topic: transactions\n", with: "\n  topic: \(missingTopic)\n")
        try Data(text.utf8).write(to: URL(fileURLWithPath: topology))
        let absent = try await TestProcess.run(
            sluice, ["drift", "run", "--topology", topology, "--reference", try reference("amount")] + common)
        #expect(absent.status == 1)
        #expect(absent.output.contains("the topic '\(missingTopic)' does not exist"), "\(absent.output)")
    }
}

/// The reference as the monitor reads it, with default settings.
enum ParquetDriftComparisonReference {
    static func read(_ path: String) throws -> [(name: String, sample: ColumnSample)] {
        try SluiceOffline.ParquetDriftComparison.reference(path, settings: DriftMonitorSettings())
    }
}
