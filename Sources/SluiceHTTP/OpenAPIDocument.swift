import Foundation
import HTTPTypes
import SluiceCore

/// The OpenAPI 3.1 document of the serving API (Sources/SluiceHTTP/Resources/openapi.json).
public enum OpenAPIDocument {
    /// The document with the entity id length limit and the request inputs of the served
    /// topology filled in, as JSON with sorted keys; without `registry`, the model registry's
    /// operations are left out.
    /// `eventFields` (the topology's source fields) describe the event a score request carries.
    public static func json(
        entityLengthLimit: Int, inputs: [FieldSpec] = [], eventFields: [FieldSpec] = [], registry: Bool = true
    ) throws -> [UInt8] {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"),
            let data = try? Data(contentsOf: url),
            var document = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw APIProblem(
                .internalServerError, "internal", "the OpenAPI document is missing from the SluiceHTTP resources")
        }
        let idSchema: [String: Any] = [
            "type": "string", "minLength": 1, "maxLength": entityLengthLimit, "pattern": "^[^\\u0000-\\u001F\\u007F]+$",
            "examples": ["card-1", "card-42"],
        ]
        if var paths = document["paths"] as? [String: Any],
            var path = paths["/v1/features/{view}/{entityId}"] as? [String: Any],
            var get = path["get"] as? [String: Any], var parameters = get["parameters"] as? [[String: Any]]
        {
            for index in parameters.indices where parameters[index]["name"] as? String == "entityId" {
                parameters[index]["schema"] = idSchema
            }
            // The request inputs of the topology's on-demand features, as query parameters.
            for field in inputs {
                let schema: [String: Any] =
                    switch field.type {
                    case .string: ["type": "string", "maxLength": 256]
                    case .bool: ["type": "boolean"]
                    default: ["type": "number", "minimum": -1e300, "maximum": 1e300]
                    }
                parameters.append([
                    "name": field.name, "in": "query", "required": false, "schema": schema,
                    "description": "Request input of the on-demand features that read '\(field.name)'.",
                ])
            }
            get["parameters"] = parameters
            path["get"] = get
            paths["/v1/features/{view}/{entityId}"] = path
            document["paths"] = paths
        }
        if !eventFields.isEmpty, var components = document["components"] as? [String: Any],
            var schemas = components["schemas"] as? [String: Any],
            var request = schemas["ScoreRequest"] as? [String: Any],
            var properties = request["properties"] as? [String: Any], var event = properties["event"] as? [String: Any]
        {
            event["properties"] = Dictionary(uniqueKeysWithValues: eventFields.map { ($0.name, Self.schema(of: $0)) })
            event["required"] = eventFields.filter(\.required).map(\.name)
            properties["event"] = event
            request["properties"] = properties
            schemas["ScoreRequest"] = request
            components["schemas"] = schemas
            document["components"] = components
        }
        if !registry, var paths = document["paths"] as? [String: Any] {
            for key in paths.keys where key.hasPrefix("/v1/models") || key == "/v1/score" { paths[key] = nil }
            if var features = paths["/v1/features"] as? [String: Any] {
                features["get"] = nil
                paths["/v1/features"] = features
            }
            document["paths"] = paths
        }
        return [UInt8](try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys]))
    }

    /// The JSON Schema of one event field, as the topology's decoder checks it.
    static func schema(of field: FieldSpec) -> [String: Any] {
        var schema: [String: Any]
        switch field.type {
        case .string:
            // Printable ASCII: a topology's max_length counts bytes, JSON Schema's maxLength characters.
            schema = ["type": "string", "minLength": field.required ? 1 : 0, "pattern": "^[\\u0020-\\u007E]*$"]
            if let limit = field.maxLength { schema["maxLength"] = limit }
        case .int, .timestampMillis: schema = ["type": "integer"]
        case .double: schema = ["type": "number"]
        case .bool: schema = ["type": "boolean"]
        }
        if field.type != .string && field.type != .bool {
            schema["minimum"] = field.minimum ?? -1e15
            schema["maximum"] = field.maximum ?? 1e15
        }
        if !field.required { schema = ["oneOf": [schema, ["type": "null"]]] }
        return schema
    }
}
