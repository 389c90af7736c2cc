import Foundation
import HTTPTypes
import SluiceCore

/// The OpenAPI 3.1 document of the serving API (Sources/SluiceHTTP/Resources/openapi.json).
public enum OpenAPIDocument {
    /// The document with the entity id length limit and the request inputs of the served
    /// topology filled in, as JSON with sorted keys; without `registry`, the model registry's
    /// operations are left out.
    public static func json(entityLengthLimit: Int, inputs: [FieldSpec] = [], registry: Bool = true) throws -> [UInt8] {
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
}
