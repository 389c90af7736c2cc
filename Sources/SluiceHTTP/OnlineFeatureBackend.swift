import Foundation
import HTTPTypes
import Logging
import NIOCore
import SluiceCore
import SluiceOnlineStore
import SluiceRedis
import SluiceRuntime

/// The serving API's backend: validates requests, reads through `OnlineStore` (one pipelined
/// Redis round trip per request) on the event loops' Redis connections, and encodes the answers.
public final class OnlineFeatureBackend: FeatureBackend {
    public let compiled: CompiledTopology
    public let pool: any RedisEventLoopClient
    /// Most entities in one batch request. Default 1000.
    public let maxBatch: Int
    public let views: [UInt8]
    /// The source fields on-demand features take as request inputs, with their types.
    public let inputFields: [FieldSpec]
    private let store: OnlineStoreReader
    /// Per view: the longest entity id (in Unicode code points, as JSON Schema counts) allowed.
    private let maxEntityLength: [String: Int]
    /// The shortest of those limits, published in the OpenAPI document.
    public var entityLengthLimit: Int { maxEntityLength.values.min() ?? 256 }

    public init(compiled: CompiledTopology, pool: any RedisEventLoopClient, maxBatch: Int = 1000) {
        self.compiled = compiled
        self.pool = pool
        self.maxBatch = maxBatch
        self.store = OnlineStoreReader(compiled: compiled)
        var limits: [String: Int] = [:]
        for view in compiled.topology.views {
            let field = compiled.topology.source.fields.first { $0.name == view.keyField }
            limits[view.name] = min(field?.maxLength ?? 256, 256)
        }
        self.maxEntityLength = limits
        self.views = Array(Self.catalog(compiled.topology).utf8)
        let inputNames = Set(compiled.topology.views.flatMap { $0.onDemand.map(\.input) })
        self.inputFields = compiled.topology.source.fields.filter { inputNames.contains($0.name) }
    }

    /// Redis settings for serving: a slow or absent Redis must give 503 quickly, not hang.
    public static func servingConfiguration(_ base: RedisConfiguration, timeout: Duration = .milliseconds(250))
        -> RedisConfiguration
    {
        var configuration = base
        configuration.commandTimeout = timeout
        configuration.connectTimeout = timeout
        configuration.clientName = "sluice-serve"
        return configuration
    }

    // MARK: - FeatureBackend

    public func lookup(view: String, entity: String, query: [String: String], on eventLoop: any EventLoop)
        -> EventLoopFuture<[UInt8]>
    {
        let time: Int64
        var inputs: [String: FieldValue] = [:]
        do throws(APIProblem) {
            try validate(view: view, entity: entity)
            time = try Self.time(query["at"])
            // Other query parameters (tracking ids, cache busters) are ignored, as HTTP APIs do.
            for (name, text) in query where inputFields.contains(where: { $0.name == name }) {
                inputs[name] = try input(name, text: text)
            }
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        return read([(view, entity)], at: time, inputs: .named([inputs]), on: eventLoop).map { vectors in
            var out: [UInt8] = []
            out.reserveCapacity(1024)
            Self.encode(vectors[0], into: &out)
            return out
        }
    }

    public func batch(body: [UInt8]) async throws(APIProblem) -> [UInt8] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw .badRequest(
                "the body must be a JSON object {\"requests\": [{\"view\": ..., \"entity\": ...}], \"at\"?: ...}")
        }
        guard let items = object["requests"] as? [Any], !items.isEmpty else {
            throw .badRequest("'requests' must be a non-empty array of {\"view\", \"entity\"}")
        }
        guard items.count <= maxBatch else {
            throw APIProblem(
                .badRequest, "batch_too_large",
                "a batch holds at most \(maxBatch) requests; this one has \(items.count)")
        }
        var shared: [String: FieldValue] = [:]
        if let given = object["inputs"], !(given is NSNull) {
            guard let dictionary = given as? [String: Any] else {
                throw .badRequest("'inputs' must be an object of request inputs")
            }
            shared = try parseInputs(dictionary, at: "inputs")
        }
        var requests: [(view: String, entity: String)] = []
        var perRequest: [[String: FieldValue]] = []
        requests.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            guard let pair = item as? [String: Any], let view = pair["view"] as? String,
                let entity = pair["entity"] as? String
            else {
                throw .badRequest("requests[\(index)] must be {\"view\": string, \"entity\": string}")
            }
            do throws(APIProblem) {
                try validate(view: view, entity: entity)
            } catch {
                throw APIProblem(error.status, error.code, "requests[\(index)]: \(error.message)")
            }
            requests.append((view, entity))
            var inputs = shared
            if let own = pair["inputs"], !(own is NSNull) {
                guard let dictionary = own as? [String: Any] else {
                    throw .badRequest("requests[\(index)].inputs must be an object")
                }
                inputs.merge(try parseInputs(dictionary, at: "requests[\(index)].inputs")) { $1 }
            }
            perRequest.append(inputs)
        }
        let atText: String?
        switch object["at"] {
        case nil, is NSNull: atText = nil
        case let text as String: atText = text
        case let number as NSNumber:
            // JSON true/false also arrive as NSNumber, of C type char.
            guard String(cString: number.objCType) != "c" else {
                throw .badRequest("'at' must be epoch milliseconds or an ISO-8601 time")
            }
            guard let milliseconds = Int64(exactly: number.doubleValue) else {
                throw .badRequest("'at' must be whole epoch milliseconds")
            }
            atText = String(milliseconds)
        default: throw .badRequest("'at' must be epoch milliseconds or an ISO-8601 time")
        }
        let time = try Self.time(atText)
        let vectors: [FeatureVector]
        do {
            vectors = try await read(requests, at: time, inputs: .named(perRequest), on: pool.anyEventLoop()).get()
        } catch {
            throw error as? APIProblem ?? APIProblem(.internalServerError, "internal", "\(error)")
        }
        var out: [UInt8] = []
        out.reserveCapacity(1024 * vectors.count)
        out.append(contentsOf: "{\"at\":\(time),\"results\":[".utf8)
        for (index, vector) in vectors.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            Self.encode(vector, into: &out)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    /// The vectors of `requests` at `time` in one Redis round trip, with `inputs` feeding every
    /// view's on-demand features (what scoring reads for one payment), completed on `eventLoop`;
    /// fails with an `APIProblem`.
    public func vectors(
        _ requests: [(view: String, entity: String)], at time: Int64, inputs: OnDemandInputs,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<[FeatureVector]> {
        read(requests, at: time, inputs: inputs, on: eventLoop)
    }

    public func ready() async -> (ok: Bool, detail: String) {
        do {
            var ping = RedisPipeline(reservingCapacity: 16)
            ping.append("PING")
            let reply = try await pool.execute(ping)[0]
            return (reply.string == "PONG", reply.string ?? "unexpected reply")
        } catch {
            return (false, error.message)
        }
    }

    // MARK: - Reading

    /// The vectors of `requests`, in one round trip, completed on `eventLoop`; fails with an
    /// `APIProblem`.
    private func read(
        _ requests: [(view: String, entity: String)], at time: Int64, inputs: OnDemandInputs,
        on eventLoop: any EventLoop
    ) -> EventLoopFuture<[FeatureVector]> {
        let pipeline: RedisPipeline
        do {
            pipeline = try store.pipeline(for: requests)
        } catch {
            return eventLoop.makeFailedFuture(APIProblem.badRequest("\(error)"))
        }
        let store = self.store
        return pool.execute(pipeline, on: eventLoop).flatMapErrorThrowing { error in
            throw APIProblem.unavailable(
                "the online store did not answer: \((error as? RedisError)?.message ?? "\(error)")")
        }.flatMapThrowing { replies in
            do {
                return try store.vectors(requests, at: time, replies: replies, inputs: inputs)
            } catch {
                throw APIProblem.unavailable("the online store holds data this server cannot read: \(error)")
            }
        }
    }

    /// Views must exist; entity ids must be 1...max characters, without control characters. Ids are
    /// only ever used inside the view's key prefix, so no request can reach other Redis keys.
    private func validate(view: String, entity: String) throws(APIProblem) {
        guard let limit = maxEntityLength[view] else {
            throw .notFound(
                "unknown view '\(view)'; views: \(compiled.topology.views.map(\.name).joined(separator: ", "))")
        }
        let length = entity.unicodeScalars.count
        guard length > 0 else { throw .badRequest("the entity id is empty") }
        guard length <= limit else {
            throw .badRequest("the entity id is \(length) characters long; view '\(view)' allows at most \(limit)")
        }
        guard !entity.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw .badRequest("the entity id contains control characters")
        }
    }

    /// Read times beyond ±2^53 ms (about 285,000 years) are refused: nothing meaningful lies there,
    /// and window arithmetic stays far from overflow.
    static let timeLimit: Int64 = (1 << 53) - 1

    static func time(_ text: String?) throws(APIProblem) -> Int64 {
        guard let text else { return Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)) }
        // Present but empty (`?at=`) is a mistake, not "now": leave the parameter out for now.
        guard !text.isEmpty else {
            throw .badRequest("'at' is empty; give epoch milliseconds or an ISO-8601 time, or leave it out for now")
        }
        if let milliseconds = Int64(text) {
            guard abs(milliseconds) <= timeLimit else {
                throw .badRequest("'at' = \(milliseconds) is outside ±\(timeLimit) ms")
            }
            return milliseconds
        }
        if text.allSatisfy({ $0.isNumber || $0 == "-" }) {
            throw .badRequest("'at' = '\(text)' is outside ±\(timeLimit) ms")
        }
        if let time = TimeText.parseISO(text) { return time }
        throw .badRequest(
            "'at' = '\(text)' is neither epoch milliseconds nor an ISO-8601 time such as 2026-11-27T10:00:00Z")
    }

    // MARK: - Request inputs

    /// One input from a query string.
    private func input(_ name: String, text: String) throws(APIProblem) -> FieldValue {
        guard let field = inputFields.first(where: { $0.name == name }) else {
            throw .badRequest(
                "unknown query parameter '\(name)'; accepted: at\(inputFields.map { ", " + $0.name }.joined())")
        }
        switch field.type {
        case .int, .double, .timestampMillis:
            guard let number = Double(text), number.isFinite, abs(number) <= 1e300 else {
                throw .badRequest("input '\(name)' must be a number within ±1e300")
            }
            return .double(number)
        case .bool:
            guard let flag = Bool(text) else { throw .badRequest("input '\(name)' must be true or false") }
            return .bool(flag)
        case .string:
            guard text.unicodeScalars.count <= 256 else {
                throw .badRequest("input '\(name)' is longer than 256 characters")
            }
            return .string(text)
        }
    }

    /// Inputs from a JSON object; names no on-demand feature reads are ignored.
    private func parseInputs(_ object: [String: Any], at path: String) throws(APIProblem) -> [String: FieldValue] {
        var inputs: [String: FieldValue] = [:]
        for (name, value) in object where inputFields.contains(where: { $0.name == name }) {
            switch value {
            case is NSNull: continue
            case let text as String: inputs[name] = try input(name, text: text)
            case let number as NSNumber:
                guard String(cString: number.objCType) != "c" else {
                    throw .badRequest("\(path).\(name) must not be a boolean")
                }
                inputs[name] = try input(name, text: number.stringValue)
            default: throw .badRequest("\(path).\(name) must be a string or a number")
            }
        }
        return inputs
    }

    // MARK: - JSON

    /// Appends the vector's JSON as bytes (the per-request hot path: no intermediate strings).
    public static func encode(_ vector: FeatureVector, into out: inout [UInt8]) {
        out.append(contentsOf: "{\"view\":".utf8)
        appendJSONString(vector.view, to: &out)
        out.append(contentsOf: ",\"entity\":".utf8)
        appendJSONString(vector.entity, to: &out)
        out.append(contentsOf: ",\"at\":".utf8)
        DecimalText.append(vector.at, to: &out)
        out.append(contentsOf: ",\"features\":{".utf8)
        for (index, name) in vector.names.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendJSONString(name, to: &out)
            out.append(UInt8(ascii: ":"))
            appendJSONNumber(vector.values[index], to: &out)
        }
        out.append(contentsOf: "},\"newest_event_time\":".utf8)
        if let newest = vector.newestEventTime {
            DecimalText.append(newest, to: &out)
        } else {
            out.append(contentsOf: "null".utf8)
        }
        out.append(UInt8(ascii: "}"))
    }

    static func catalog(_ topology: Topology) -> String {
        var out = "{\"topology\":\(jsonString(topology.name)),\"views\":["
        for (viewIndex, view) in topology.views.enumerated() {
            if viewIndex > 0 { out += "," }
            out += "{\"name\":\(jsonString(view.name)),\"key\":\(jsonString(view.keyField)),"
            out +=
                "\"description\":\(jsonString(view.description)),\"allowed_lateness_ms\":\(view.allowedLateness),\"ttl_ms\":\(view.ttl),"
            out += "\"features\":["
            for (index, feature) in view.features.enumerated() {
                if index > 0 { out += "," }
                out +=
                    "{\"name\":\(jsonString(feature.name)),\"type\":\"number\",\"aggregation\":\(jsonString(feature.aggregation.rawValue)),"
                out +=
                    "\"field\":\(feature.field.map(jsonString) ?? "null"),\"window_ms\":\(feature.window),\"tile_ms\":\(feature.tile),"
                out += "\"description\":\(jsonString(feature.description))}"
            }
            out += "],\"on_demand\":["
            for (index, spec) in view.onDemand.enumerated() {
                if index > 0 { out += "," }
                out +=
                    "{\"name\":\(jsonString(spec.name)),\"type\":\"number\",\"kind\":\(jsonString(spec.kind.rawValue)),"
                out +=
                    "\"input\":\(jsonString(spec.input)),\"feature\":\(jsonString(spec.feature)),\"description\":\(jsonString(spec.description))}"
            }
            out += "]}"
        }
        return out + "]}"
    }
}
