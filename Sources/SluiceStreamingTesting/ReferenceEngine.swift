import SluiceCore
import SluiceKafka

/// A direct, obviously correct re-computation of what the engine should have done with a topic's
/// messages: the same acceptance rules (decoder, per-partition watermarks), then every feature
/// computed straight from the raw accepted events, without tiles.
public struct ReferenceEngine: Sendable {
    public struct Applied: Sendable {
        public let event: DecodedEvent
        public let partition: Int32
        public let offset: Int64
    }

    public let compiled: CompiledTopologyView
    /// Per view index: entity → events applied to it.
    public private(set) var applied: [[String: [Applied]]]
    /// Rejected messages and why.
    public private(set) var rejected: [(message: KafkaConsumerMessage, reason: RejectionReason)] = []
    public private(set) var newestEventTime: Int64 = .min
    /// With `pointInTime`: per accepted event ("partition/offset"), every view's features at its
    /// event time from the events its partition applied before it (the feature log's definition
    /// for a single partition, and for views keyed like the topic).
    public private(set) var pointInTime: [String: [[Double?]]] = [:]

    public init(
        layouts: [ViewLayout], decoder: EventDecoder, messages: [KafkaConsumerMessage], pointInTime: Bool = false
    ) {
        self.compiled = CompiledTopologyView(layouts: layouts)
        applied = Array(repeating: [:], count: layouts.count)
        var newest: [Int32: Int64] = [:]
        for message in messages.sorted(by: { ($0.partition, $0.offset) < ($1.partition, $1.offset) }) {
            switch decoder.decode(message.value, messageTimestamp: message.timestamp) {
            case .failure(let rejection):
                rejected.append((message, rejection.reason))
            case .success(let event):
                let partitionNewest = newest[message.partition] ?? .min
                let late = layouts.map {
                    partitionNewest != .min && event.eventTime < partitionNewest - $0.view.allowedLateness
                }
                if late.allSatisfy({ $0 }) {
                    rejected.append((message, .late))
                    continue
                }
                if pointInTime {
                    self.pointInTime["\(message.partition)/\(message.offset)"] = layouts.indices.map { index in
                        let entity = event.values[layouts[index].keyFieldIndex].stringValue!
                        let stored = features(view: index, entity: entity, at: event.eventTime)
                        return stored + onDemand(view: index, entity: entity, stored: stored, event: event)
                    }
                }
                newest[message.partition] = max(partitionNewest, event.eventTime)
                newestEventTime = max(newestEventTime, event.eventTime)
                for (index, layout) in layouts.enumerated() where !late[index] {
                    let entity = event.values[layout.keyFieldIndex].stringValue!
                    applied[index][entity, default: []].append(
                        Applied(event: event, partition: message.partition, offset: message.offset))
                }
            }
        }
    }

    /// On-demand features with the event's own fields as inputs, straight from the events: a
    /// ratio of the input to the stored feature; `not_seen` = no applied event in the feature's
    /// window carries the input value.
    func onDemand(view viewIndex: Int, entity: String, stored: [Double?], event: DecodedEvent) -> [Double?] {
        let layout = compiled.layouts[viewIndex]
        return layout.onDemand.map { plan in
            let input = event.values[plan.inputField]
            switch plan.spec.kind {
            case .ratio:
                guard let value = input.doubleValue, let denominator = stored[plan.storedFeature], denominator != 0
                else { return nil }
                return value / denominator
            case .notSeen:
                let feature = plan.storedPlan.feature
                let first = floorDivide(event.eventTime - feature.window, feature.tile)
                let last = floorDivide(event.eventTime, feature.tile)
                let seen = (applied[viewIndex][entity] ?? []).contains {
                    (first...last).contains(floorDivide($0.event.eventTime, feature.tile))
                        && $0.event.values[plan.inputField] == input
                }
                return seen ? 0 : 1
            }
        }
    }

    /// Feature values of `entity` in view `viewIndex` at `time`, straight from the events.
    public func features(view viewIndex: Int, entity: String, at time: Int64) -> [Double?] {
        let layout = compiled.layouts[viewIndex]
        let events = applied[viewIndex][entity] ?? []
        return layout.plans.map { plan in
            let feature = plan.feature
            let first = floorDivide(time - feature.window, feature.tile)
            let last = floorDivide(time, feature.tile)
            let inWindow = events.filter { (first...last).contains(floorDivide($0.event.eventTime, feature.tile)) }
            let fieldIndex = feature.field.flatMap { name in
                layout.groups[plan.group].fieldIndex(named: name, plan: plan)
            }
            let numbers = inWindow.compactMap { item in fieldIndex.flatMap { item.event.values[$0].doubleValue } }
            let newest = inWindow.max {
                ($0.event.eventTime, $0.partition, $0.offset) < ($1.event.eventTime, $1.partition, $1.offset)
            }
            switch feature.aggregation {
            case .count: return Double(inWindow.count)
            case .sum: return numbers.reduce(0, +)
            case .mean: return numbers.isEmpty ? nil : numbers.reduce(0, +) / Double(numbers.count)
            case .min: return numbers.min()
            case .max: return numbers.max()
            case .stddev:
                guard !numbers.isEmpty else { return nil }
                let mean = numbers.reduce(0, +) / Double(numbers.count)
                return (numbers.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(numbers.count)).squareRoot()
            case .distinctCount:
                return Double(
                    Set(inWindow.compactMap { item in fieldIndex.map { item.event.values[$0] } }.filter { !$0.isNull })
                        .count)
            case .last: return newest.flatMap { item in fieldIndex.flatMap { item.event.values[$0].doubleValue } }
            case .timeSinceLast: return newest.map { Double(max(0, time - $0.event.eventTime)) / 1000 }
            }
        }
    }
}

/// The parts of a compiled topology the reference needs.
public struct CompiledTopologyView: Sendable {
    public let layouts: [ViewLayout]
}

extension TileGroup {
    /// The schema index of the field a plan aggregates.
    func fieldIndex(named name: String, plan: FeaturePlan) -> Int? {
        switch plan.feature.aggregation {
        case .sum, .mean, .min, .max, .stddev: numericFields[plan.slot]
        case .distinctCount: distinctFields[plan.slot]
        case .last: lastFields[plan.slot]
        case .count, .timeSinceLast: nil
        }
    }
}
