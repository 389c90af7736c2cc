import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceParquet
import SluiceRuntime

/// Labels read from the labels topic: per event id, every label with the time it became known.
public struct LabelBook: Sendable {
    public struct Label: Sendable, Equatable {
        public var value: Int32
        /// When the label became known (epoch ms): its `ts` field.
        public var time: Int64
    }

    public private(set) var labels: [String: [Label]] = [:]
    /// Messages that were not a valid label ({"txn_id": string, "label": integer, "ts": integer}).
    public private(set) var invalid = 0
    public private(set) var messages = 0

    public init() {}

    /// Adds one labels-topic message; returns the label's time, or nil for a message that is not
    /// a label.
    @discardableResult
    public mutating func add(json bytes: [UInt8]) -> Int64? {
        messages += 1
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
            let id = object["txn_id"] as? String, !id.isEmpty,
            let value = (object["label"] as? NSNumber).flatMap({ Int32(exactly: $0.doubleValue) }),
            let time = (object["ts"] as? NSNumber).flatMap({ Int64(exactly: $0.doubleValue) })
        else {
            invalid += 1
            return nil
        }
        labels[id, default: []].append(Label(value: value, time: time))
        return time
    }

    /// Forgets the labels known before `time` (events whose predictions were all joined).
    public mutating func forget(before time: Int64) {
        labels = labels.compactMapValues { known in
            let kept = known.filter { $0.time >= time }
            return kept.isEmpty ? nil : kept
        }
    }

    /// Event ids with at least one label.
    public var count: Int { labels.count }

    /// The label of an event as known at `asOf`: the newest label whose time is at or before
    /// `asOf` and within `maxDelay` of the event time. Nil: none counts.
    public func label(of id: String, eventTime: Int64, asOf: Int64, maxDelay: Int64) -> Label? {
        var best: Label?
        for label in labels[id] ?? [] where label.time <= asOf && label.time - eventTime <= maxDelay {
            if best.map({ label.time >= $0.time }) ?? true { best = label }
        }
        return best
    }

    /// Reads every message of `topic` from the beginning to the end of each partition.
    public static func read(
        topic: String, client: KafkaClientConfiguration, logger: Logger, timeout: Duration = .seconds(120)
    ) async throws -> LabelBook {
        var book = LabelBook()
        _ = try await TopicSnapshot.read(topic: topic, role: "labels", client: client, logger: logger, timeout: timeout)
        { message in
            book.add(json: message.value)
        }
        return book
    }
}
