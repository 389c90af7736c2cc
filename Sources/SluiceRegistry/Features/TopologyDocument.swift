import SluiceCore

/// A topology in the registry's canonical form: everything that defines its features, with
/// durations in milliseconds, encoded as JSON with sorted keys. Its SHA-256 is the topology's
/// content hash, so reformatting or commenting the YAML file does not make a new version while
/// any change to a feature, a view or the source does.
public struct TopologyDocument: Sendable, Equatable, Codable {
    public struct Field: Sendable, Equatable, Codable {
        public var name: String
        public var type: String
        public var required: Bool
        public var minimum: Double?
        public var maximum: Double?
        public var maxLength: Int?

        enum CodingKeys: String, CodingKey {
            case name, type, required, minimum, maximum
            case maxLength = "max_length"
        }
    }

    public struct Source: Sendable, Equatable, Codable {
        public var topic: String
        public var deadLetterTopic: String
        public var eventTime: String
        public var eventId: String
        public var maxMessageBytes: Int
        public var maxFutureSkew: Int64
        public var fields: [Field]

        enum CodingKeys: String, CodingKey {
            case topic, fields
            case deadLetterTopic = "dead_letter_topic"
            case eventTime = "event_time"
            case eventId = "event_id"
            case maxMessageBytes = "max_message_bytes"
            case maxFutureSkew = "max_future_skew_ms"
        }
    }

    public struct Feature: Sendable, Equatable, Codable {
        public var name: String
        /// `count`, `sum`, ... for stored features; `on_demand:<kind>` for request-time ones.
        public var aggregation: String
        /// The aggregated event field, or an on-demand feature's request input.
        public var field: String?
        /// Stored features: window and tile in ms. On-demand: nil.
        public var window: Int64?
        public var tile: Int64?
        /// On-demand features: the stored feature they read.
        public var feature: String?
        public var description: String

        enum CodingKeys: String, CodingKey {
            case name, aggregation, field, feature, description
            case window = "window_ms"
            case tile = "tile_ms"
        }
    }

    public struct View: Sendable, Equatable, Codable {
        public var name: String
        public var key: String
        public var description: String
        public var owner: String
        public var tags: [String: String]
        public var allowedLateness: Int64
        public var ttl: Int64
        public var features: [Feature]

        enum CodingKeys: String, CodingKey {
            case name, key, description, owner, tags, features
            case allowedLateness = "allowed_lateness_ms"
            case ttl = "ttl_ms"
        }
    }

    public var name: String
    public var description: String
    public var owner: String
    public var tags: [String: String]
    public var source: Source
    public var views: [View]

    public init(_ topology: Topology) {
        name = topology.name
        description = topology.description
        owner = topology.owner
        tags = topology.tags
        source = Source(
            topic: topology.source.topic, deadLetterTopic: topology.source.deadLetterTopic,
            eventTime: topology.source.eventTimeField, eventId: topology.source.eventIdField,
            maxMessageBytes: topology.source.maxMessageBytes, maxFutureSkew: topology.source.maxFutureSkew,
            fields: topology.source.fields.map {
                Field(
                    name: $0.name, type: $0.type.rawValue, required: $0.required, minimum: $0.minimum,
                    maximum: $0.maximum, maxLength: $0.maxLength)
            })
        views = topology.views.map { view in
            let stored = view.features.map {
                Feature(
                    name: $0.name, aggregation: $0.aggregation.rawValue, field: $0.field, window: $0.window,
                    tile: $0.tile,
                    feature: nil, description: $0.description)
            }
            let onDemand = view.onDemand.map {
                Feature(
                    name: $0.name, aggregation: "on_demand:\($0.kind.rawValue)", field: $0.input, window: nil,
                    tile: nil,
                    feature: $0.feature, description: $0.description)
            }
            return View(
                name: view.name, key: view.keyField, description: view.description, owner: view.owner, tags: view.tags,
                allowedLateness: view.allowedLateness, ttl: view.ttl, features: stored + onDemand)
        }
    }

    /// The feature columns in feature-log order, `<view>__<feature>`.
    public var columns: [TopologyColumn] {
        views.flatMap { view in
            view.features.map { TopologyColumn(view: view, feature: $0) }
        }
    }
}
