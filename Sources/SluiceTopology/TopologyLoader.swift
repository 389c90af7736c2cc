import Foundation
import SluiceCore
import Yams

/// Reads topology files (`topologies/*.yaml`) into `Topology` values, reporting every mistake with
/// its file, line and column, what is wrong, and what is allowed. docs/topologies.md describes
/// the format.
public enum TopologyLoader {
    public static func load(file path: String) throws(TopologyError) -> Topology {
        try parse(try YAMLReader.text(ofFile: path), file: path)
    }

    public static func parse(_ text: String, file: String = "<topology>") throws(TopologyError) -> Topology {
        // Without issues the reader returns a topology.
        try YAMLReader.read(text, file: file) { reader, root in reader.topology(root) }!
    }
}

// MARK: - Reading

extension YAMLReader {
    mutating func topology(_ root: Node) -> Topology? {
        var name: String?
        var source: SourceSpec?
        var sourceNode: Node?
        var viewsNode: Node?
        var description = ""
        var owner = ""
        var tags: [String: String] = [:]
        for (key, _, value) in entries(
            root, "the topology", allowed: ["name", "description", "owner", "tags", "source", "views"])
        {
            switch key {
            case "name": name = self.name(value, "the topology name")
            case "description": description = value.string ?? ""
            case "owner": owner = string(value, "the topology owner") ?? ""
            case "tags": tags = self.tags(value, "the topology's tags")
            case "source":
                source = self.source(value)
                sourceNode = value
            case "views": viewsNode = value
            default: break
            }
        }
        if name == nil && !issues.contains(where: { $0.message.contains("topology name") }) {
            fail(root, "the topology needs a 'name'")
        }
        if sourceNode == nil { fail(root, "the topology needs a 'source' section") }
        guard let viewsNode else {
            fail(root, "the topology needs a 'views' section with at least one view")
            return nil
        }
        guard let source else { return nil }
        let views = entries(viewsNode, "views").compactMap {
            view(named: $0.key, nameNode: $0.keyNode, $0.value, source: source)
        }
        if views.isEmpty && issues.isEmpty { fail(viewsNode, "'views' needs at least one view") }
        guard let name, issues.isEmpty else { return nil }
        return Topology(
            name: name, source: source,
            views: views.map { view in
                var view = view
                if view.owner.isEmpty { view.owner = owner }
                return view
            }, description: description, owner: owner, tags: tags)
    }

    /// `tags: {team: risk, tier: gold}`: plain text keys and values.
    mutating func tags(_ node: Node, _ what: String) -> [String: String] {
        var tags: [String: String] = [:]
        for (key, _, value) in entries(node, what) {
            guard case .scalar(let scalar) = value else {
                fail(value, "tag '\(key)' of \(what) must be a plain text value")
                continue
            }
            tags[key] = scalar.string
        }
        return tags
    }

    mutating func source(_ node: Node) -> SourceSpec? {
        var topic: String?
        var deadLetter: String?
        var eventTime: String?
        var eventID: String?
        var maxBytes = 64 * 1024
        var skew: Int64 = 5 * 60_000
        var fields: [FieldSpec] = []
        var fieldsNode: Node?
        var eventTimeNode: Node?
        var eventIDNode: Node?
        let allowed = [
            "topic", "dead_letter_topic", "event_time", "event_id", "max_message_bytes", "max_future_skew", "fields",
        ]
        for (key, _, value) in entries(node, "source", allowed: allowed) {
            switch key {
            case "topic": topic = string(value, "source.topic")
            case "dead_letter_topic": deadLetter = string(value, "source.dead_letter_topic")
            case "event_time":
                eventTime = string(value, "source.event_time")
                eventTimeNode = value
            case "event_id":
                eventID = string(value, "source.event_id")
                eventIDNode = value
            case "max_message_bytes":
                maxBytes = integer(value, "source.max_message_bytes", range: 64...(16 << 20)) ?? maxBytes
            case "max_future_skew": skew = duration(value, "source.max_future_skew", positive: false) ?? skew
            case "fields":
                fieldsNode = value
                fields = entries(value, "source.fields").compactMap {
                    field(named: $0.key, nameNode: $0.keyNode, $0.value)
                }
            default: break
            }
        }
        if topic == nil { fail(node, "source needs a 'topic'") }
        if fieldsNode == nil { fail(node, "source needs 'fields', the event schema") }
        if eventTime == nil { fail(node, "source needs 'event_time', the field holding the event time") }
        if eventID == nil { fail(node, "source needs 'event_id', the field identifying each event") }
        if let eventTime {
            let spec = fields.first { $0.name == eventTime }
            if spec == nil {
                fail(
                    eventTimeNode,
                    "event_time '\(eventTime)' is not one of the source fields (\(fields.map(\.name).joined(separator: ", ")))"
                )
            } else if spec?.type != .timestampMillis || spec?.required != true {
                fail(eventTimeNode, "event_time '\(eventTime)' must be a required field of type timestamp_ms")
            }
        }
        if let eventID {
            let spec = fields.first { $0.name == eventID }
            if spec == nil {
                fail(
                    eventIDNode,
                    "event_id '\(eventID)' is not one of the source fields (\(fields.map(\.name).joined(separator: ", ")))"
                )
            } else if spec?.type != .string || spec?.required != true {
                fail(eventIDNode, "event_id '\(eventID)' must be a required string field")
            }
        }
        guard let topic, let eventTime, let eventID else { return nil }
        return SourceSpec(
            topic: topic, deadLetterTopic: deadLetter ?? "\(topic).dlq", fields: fields, eventTimeField: eventTime,
            eventIdField: eventID, maxMessageBytes: maxBytes, maxFutureSkew: skew)
    }

    mutating func field(named name: String, nameNode: Node, _ node: Node) -> FieldSpec? {
        let what = "field '\(name)'"
        var type: FieldSpec.FieldType?
        var required = false
        var minimum: Double?
        var maximum: Double?
        var maxLength: Int?
        for (key, _, value) in entries(
            node, what, allowed: ["type", "required", "min", "max", "max_length", "description"])
        {
            switch key {
            case "type":
                let text = value.string ?? ""
                type = FieldSpec.FieldType(rawValue: text)
                if type == nil {
                    fail(
                        value,
                        "\(what) has unknown type '\(text)'; allowed: \(FieldSpec.FieldType.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
            case "required": required = bool(value, "\(what).required") ?? false
            case "min": minimum = number(value, "\(what).min")
            case "max": maximum = number(value, "\(what).max")
            case "max_length": maxLength = integer(value, "\(what).max_length", range: 1...(1 << 20))
            default: break
            }
        }
        guard let type else {
            if !issues.contains(where: { $0.message.hasPrefix("\(what) has unknown type") }) {
                fail(
                    node,
                    "\(what) needs a 'type' (\(FieldSpec.FieldType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return nil
        }
        if let minimum, let maximum, minimum > maximum { fail(node, "\(what) has min \(minimum) above max \(maximum)") }
        if (minimum != nil || maximum != nil) && ![.int, .double, .timestampMillis].contains(type) {
            fail(node, "\(what): min and max apply to int, double and timestamp_ms fields only")
        }
        if maxLength != nil && type != .string { fail(node, "\(what): max_length applies to string fields only") }
        return FieldSpec(
            name: name, type: type, required: required, minimum: minimum, maximum: maximum, maxLength: maxLength)
    }

    mutating func view(named name: String, nameNode: Node, _ node: Node, source: SourceSpec) -> ViewSpec? {
        _ = self.name(nameNode, "view name")
        let what = "view '\(name)'"
        var key: String?
        var keyNode: Node?
        var description = ""
        var lateness: Int64?
        var ttl: Int64?
        var ttlNode: Node?
        var features: [FeatureSpec] = []
        var featuresNode: Node?
        var onDemandEntries: [(key: String, keyNode: Node, value: Node)] = []
        var owner = ""
        var tags: [String: String] = [:]
        for (entry, _, value) in entries(
            node, what,
            allowed: ["key", "description", "owner", "tags", "allowed_lateness", "ttl", "features", "on_demand"])
        {
            switch entry {
            case "key":
                key = string(value, "\(what).key")
                keyNode = value
            case "description": description = value.string ?? ""
            case "owner": owner = string(value, "\(what).owner") ?? ""
            case "tags": tags = self.tags(value, "\(what).tags")
            case "allowed_lateness": lateness = duration(value, "\(what).allowed_lateness", positive: false)
            case "ttl":
                ttl = duration(value, "\(what).ttl")
                ttlNode = value
            case "features":
                featuresNode = value
                features = entries(value, "\(what).features").compactMap {
                    feature(named: $0.key, nameNode: $0.keyNode, $0.value, view: name, source: source)
                }
            case "on_demand":
                onDemandEntries = entries(value, "\(what).on_demand").map { ($0.key, $0.keyNode, $0.value) }
            default: break
            }
        }
        guard let key else {
            fail(node, "\(what) needs a 'key': the source field identifying its entities")
            return nil
        }
        if let spec = source.fields.first(where: { $0.name == key }) {
            if spec.type != .string || !spec.required {
                fail(keyNode, "\(what): key '\(key)' must be a required string field")
            }
        } else {
            fail(
                keyNode,
                "\(what): key '\(key)' is not one of the source fields (\(source.fields.map(\.name).joined(separator: ", ")))"
            )
        }
        if featuresNode == nil || (features.isEmpty && issues.isEmpty) {
            fail(node, "\(what) needs at least one feature under 'features'")
        }
        let tileSizes = Set(features.map(\.tile))
        if tileSizes.count > EntityTiles.maxGroups {
            fail(
                featuresNode,
                "\(what): its features use \(tileSizes.count) different tile sizes; at most \(EntityTiles.maxGroups) are allowed (features with the same tile size share their tiles)"
            )
        }
        let allowedLateness = lateness ?? 0
        let defaultTTL = ViewSpec.defaultTTL(features: features, allowedLateness: allowedLateness)
        if let ttl, ttl < defaultTTL {
            fail(
                ttlNode,
                "\(what): ttl \(DurationText.format(ttl)) is shorter than the longest window + its tile + the allowed lateness (\(DurationText.format(defaultTTL))), so live windows would expire"
            )
        }
        let onDemand = onDemandEntries.compactMap {
            onDemandFeature(
                named: $0.key, nameNode: $0.keyNode, $0.value, view: name, features: features, source: source)
        }
        for spec in onDemand where features.contains(where: { $0.name == spec.name }) {
            fail(node, "\(what): on-demand feature '\(spec.name)' has the name of a stored feature")
        }
        return ViewSpec(
            name: name, keyField: key, description: description, features: features, allowedLateness: allowedLateness,
            ttl: ttl, onDemand: onDemand, owner: owner, tags: tags)
    }

    mutating func onDemandFeature(
        named name: String, nameNode: Node, _ node: Node, view: String, features: [FeatureSpec], source: SourceSpec
    ) -> OnDemandSpec? {
        _ = self.name(nameNode, "on-demand feature name")
        let what = "on-demand feature '\(name)' of view '\(view)'"
        var kind: OnDemandSpec.Kind?
        var input: String?
        var inputNode: Node?
        var feature: String?
        var featureNode: Node?
        var description = ""
        for (key, _, value) in entries(node, what, allowed: ["kind", "input", "feature", "description"]) {
            switch key {
            case "kind":
                kind = OnDemandSpec.Kind(rawValue: value.string ?? "")
                if kind == nil {
                    fail(
                        value,
                        "\(what) has unknown kind '\(value.string ?? "")'; allowed: \(OnDemandSpec.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
            case "input":
                input = string(value, "\(what).input")
                inputNode = value
            case "feature":
                feature = string(value, "\(what).feature")
                featureNode = value
            case "description": description = value.string ?? ""
            default: break
            }
        }
        guard let kind, let input, let feature else {
            if !issues.contains(where: { $0.message.hasPrefix("\(what) has unknown kind") }) {
                fail(
                    node,
                    "\(what) needs 'kind' (\(OnDemandSpec.Kind.allCases.map(\.rawValue).joined(separator: ", "))), 'input' and 'feature'"
                )
            }
            return nil
        }
        guard let inputSpec = source.fields.first(where: { $0.name == input }) else {
            fail(
                inputNode,
                "\(what): input '\(input)' is not one of the source fields (\(source.fields.map(\.name).joined(separator: ", ")))"
            )
            return nil
        }
        guard let stored = features.first(where: { $0.name == feature }) else {
            fail(
                featureNode,
                "\(what): feature '\(feature)' is not a feature of view '\(view)' (\(features.map(\.name).joined(separator: ", ")))"
            )
            return nil
        }
        switch kind {
        case .ratio:
            if inputSpec.type != .int && inputSpec.type != .double {
                fail(inputNode, "\(what): kind ratio needs a numeric input; '\(input)' is \(inputSpec.type.rawValue)")
            }
        case .notSeen:
            if stored.aggregation != .distinctCount || stored.field != input {
                fail(featureNode, "\(what): kind not_seen needs a distinct_count feature of the input field '\(input)'")
            }
        }
        return OnDemandSpec(name: name, kind: kind, input: input, feature: feature, description: description)
    }

    mutating func feature(named name: String, nameNode: Node, _ node: Node, view: String, source: SourceSpec)
        -> FeatureSpec?
    {
        _ = self.name(nameNode, "feature name")
        let what = "feature '\(name)' of view '\(view)'"
        var aggregation: Aggregation?
        var field: String?
        var fieldNode: Node?
        var window: Int64?
        var tile: Int64?
        var description = ""
        for (key, _, value) in entries(node, what, allowed: ["agg", "field", "window", "tile", "description"]) {
            switch key {
            case "agg":
                let text = value.string ?? ""
                aggregation = Aggregation(rawValue: text)
                if aggregation == nil {
                    fail(
                        value,
                        "\(what) has unknown agg '\(text)'; allowed: \(Aggregation.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
            case "field":
                field = string(value, "\(what).field")
                fieldNode = value
            case "window": window = duration(value, "\(what).window")
            case "tile": tile = duration(value, "\(what).tile")
            case "description": description = value.string ?? ""
            default: break
            }
        }
        guard let aggregation else {
            if !issues.contains(where: { $0.message.hasPrefix("\(what) has unknown agg") }) {
                fail(node, "\(what) needs 'agg' (\(Aggregation.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return nil
        }
        guard let window, let tile else {
            if window == nil && tile == nil { fail(node, "\(what) needs 'window' and 'tile' durations") }
            return nil
        }
        if window % tile != 0 {
            fail(
                node,
                "\(what): window \(DurationText.format(window)) is not a multiple of tile \(DurationText.format(tile))")
        }
        if window / tile > 10_000 {
            fail(
                node,
                "\(what): window \(DurationText.format(window)) / tile \(DurationText.format(tile)) is \(window / tile) tiles; at most 10000 keep reads fast"
            )
        }
        if aggregation.needsField {
            guard let field else {
                fail(node, "\(what): agg \(aggregation.rawValue) needs a 'field'")
                return nil
            }
            guard let spec = source.fields.first(where: { $0.name == field }) else {
                fail(
                    fieldNode,
                    "\(what): field '\(field)' is not one of the source fields (\(source.fields.map(\.name).joined(separator: ", ")))"
                )
                return nil
            }
            let numeric = spec.type == .int || spec.type == .double
            if (aggregation.needsNumericField || aggregation == .last) && !numeric {
                fail(
                    fieldNode,
                    "\(what): agg \(aggregation.rawValue) needs a numeric (int or double) field; '\(field)' is \(spec.type.rawValue)"
                )
            }
        } else if field != nil {
            fail(fieldNode, "\(what): agg \(aggregation.rawValue) takes no 'field'")
        }
        return FeatureSpec(
            name: name, aggregation: aggregation, field: field, window: window, tile: tile, description: description)
    }
}
