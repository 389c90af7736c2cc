import Foundation

/// One line of a Delta commit file (PROTOCOL.md, "Actions"). Sluice reads and writes
/// `protocol`, `metaData`, `add`, `remove`, `txn` and `commitInfo`; any other action (`cdc`,
/// `domainMetadata`, `checkpointMetadata`, `sidecar`, ...) belongs to a table feature Sluice does
/// not implement, so a log that holds one is refused by name rather than half understood.
public enum DeltaAction: Sendable, Equatable {
    case protocolVersions(DeltaProtocol)
    case metadata(DeltaMetadata)
    case add(DeltaAddFile)
    case remove(DeltaRemoveFile)
    case transaction(DeltaTransaction)
    case commitInfo(DeltaCommitInfo)

    /// The action as one JSON line (without the newline).
    public var line: String {
        switch self {
        case .protocolVersions(let value):
            var object: [String: Any] = [
                "minReaderVersion": value.minReaderVersion, "minWriterVersion": value.minWriterVersion,
            ]
            if let features = value.readerFeatures { object["readerFeatures"] = features }
            if let features = value.writerFeatures { object["writerFeatures"] = features }
            return DeltaJSON.text(["protocol": object])
        case .metadata(let value):
            var object: [String: Any] = [
                "id": value.id, "format": ["provider": "parquet", "options": [String: String]()],
                "schemaString": value.schema.json, "partitionColumns": value.partitionColumns,
                "configuration": value.configuration,
            ]
            if let name = value.name { object["name"] = name }
            if let createdTime = value.createdTime { object["createdTime"] = createdTime }
            return DeltaJSON.text(["metaData": object])
        case .add(let value):
            var object: [String: Any] = [
                "path": value.path, "partitionValues": Self.partitionObject(value.partitionValues), "size": value.size,
                "modificationTime": value.modificationTime, "dataChange": value.dataChange,
            ]
            if let stats = value.stats { object["stats"] = stats }
            return DeltaJSON.text(["add": object])
        case .remove(let value):
            var object: [String: Any] = [
                "path": value.path, "deletionTimestamp": value.deletionTimestamp, "dataChange": value.dataChange,
                "extendedFileMetadata": true, "partitionValues": Self.partitionObject(value.partitionValues),
                "size": value.size,
            ]
            if let stats = value.stats { object["stats"] = stats }
            return DeltaJSON.text(["remove": object])
        case .transaction(let value):
            var object: [String: Any] = ["appId": value.appID, "version": value.version]
            if let lastUpdated = value.lastUpdated { object["lastUpdated"] = lastUpdated }
            return DeltaJSON.text(["txn": object])
        case .commitInfo(let value):
            var object: [String: Any] = ["timestamp": value.timestamp, "operation": value.operation]
            object["operationParameters"] = value.operationParameters
            if !value.metrics.isEmpty { object["operationMetrics"] = value.metrics.mapValues(String.init) }
            if let engine = value.engineInfo { object["engineInfo"] = engine }
            return DeltaJSON.text(["commitInfo": object])
        }
    }

    private static func partitionObject(_ values: [String: String?]) -> [String: Any] {
        values.mapValues { $0.map { $0 as Any } ?? NSNull() }
    }

    /// Parses one line of a commit file.
    public init(line: String) throws(DeltaLogError) {
        guard let object = DeltaJSON.object(line), object.count == 1, let (key, body) = object.first else {
            throw DeltaLogError(.corrupt, "not one JSON action: \(line.prefix(80))")
        }
        guard let fields = body as? [String: Any] else {
            throw DeltaLogError(.corrupt, "the \(key) action is not an object")
        }
        func require<T>(_ value: T?, _ field: String) throws(DeltaLogError) -> T {
            guard let value else { throw DeltaLogError(.corrupt, "the \(key) action has no valid \(field)") }
            return value
        }
        switch key {
        case "protocol":
            self = .protocolVersions(
                DeltaProtocol(
                    minReaderVersion: Int(try require(DeltaJSON.int64(fields["minReaderVersion"]), "minReaderVersion")),
                    minWriterVersion: Int(try require(DeltaJSON.int64(fields["minWriterVersion"]), "minWriterVersion")),
                    readerFeatures: fields["readerFeatures"] as? [String],
                    writerFeatures: fields["writerFeatures"] as? [String]))
        case "metaData":
            if let format = fields["format"] as? [String: Any], let provider = format["provider"] as? String,
                provider != "parquet"
            {
                throw DeltaLogError(.unsupportedProtocol, "the table's files are \(provider), not parquet")
            }
            self = .metadata(
                DeltaMetadata(
                    id: try require(fields["id"] as? String, "id"),
                    schema: try DeltaSchema(json: try require(fields["schemaString"] as? String, "schemaString")),
                    partitionColumns: try require(fields["partitionColumns"] as? [String], "partitionColumns"),
                    configuration: DeltaJSON.strings(fields["configuration"]) ?? [:],
                    name: fields["name"] as? String, createdTime: DeltaJSON.int64(fields["createdTime"])))
        case "add":
            if let vector = fields["deletionVector"], !(vector is NSNull) {
                throw DeltaLogError(.unsupportedProtocol, "a file has a deletion vector, which Sluice does not read")
            }
            self = .add(
                DeltaAddFile(
                    path: try require(fields["path"] as? String, "path"),
                    partitionValues: Self.partitionValues(fields["partitionValues"]),
                    size: try require(DeltaJSON.int64(fields["size"]), "size"),
                    modificationTime: try require(DeltaJSON.int64(fields["modificationTime"]), "modificationTime"),
                    dataChange: try require(fields["dataChange"] as? Bool, "dataChange"),
                    stats: fields["stats"] as? String))
        case "remove":
            self = .remove(
                DeltaRemoveFile(
                    path: try require(fields["path"] as? String, "path"),
                    deletionTimestamp: DeltaJSON.int64(fields["deletionTimestamp"]) ?? 0,
                    dataChange: fields["dataChange"] as? Bool ?? true,
                    partitionValues: Self.partitionValues(fields["partitionValues"]),
                    size: DeltaJSON.int64(fields["size"]) ?? 0, stats: fields["stats"] as? String))
        case "txn":
            self = .transaction(
                DeltaTransaction(
                    appID: try require(fields["appId"] as? String, "appId"),
                    version: try require(DeltaJSON.int64(fields["version"]), "version"),
                    lastUpdated: DeltaJSON.int64(fields["lastUpdated"])))
        case "commitInfo":
            var metrics: [String: Int64] = [:]
            for (name, value) in fields["operationMetrics"] as? [String: Any] ?? [:] {
                if let number = DeltaJSON.int64(value) ?? (value as? String).flatMap({ Int64($0) }) {
                    metrics[name] = number
                }
            }
            self = .commitInfo(
                DeltaCommitInfo(
                    timestamp: DeltaJSON.int64(fields["timestamp"]) ?? 0,
                    operation: fields["operation"] as? String ?? "UNKNOWN",
                    operationParameters: DeltaJSON.strings(fields["operationParameters"]) ?? [:], metrics: metrics,
                    engineInfo: fields["engineInfo"] as? String))
        default:
            throw DeltaLogError(
                .unsupportedProtocol,
                "the action '\(key)' belongs to a Delta feature Sluice does not implement (it reads reader version \(DeltaProtocol.supportedReaderVersion) and writes writer version \(DeltaProtocol.supportedWriterVersion)); read the table with Spark or delta-rs"
            )
        }
    }

    private static func partitionValues(_ value: Any?) -> [String: String?] {
        var result: [String: String?] = [:]
        for (key, value) in value as? [String: Any] ?? [:] { result[key] = .some(value as? String) }
        return result
    }
}

/// The `metaData` action.
public struct DeltaMetadata: Sendable, Equatable {
    public var id: String
    public var schema: DeltaSchema
    public var partitionColumns: [String]
    public var configuration: [String: String]
    public var name: String?
    public var createdTime: Int64?

    public init(
        id: String, schema: DeltaSchema, partitionColumns: [String], configuration: [String: String] = [:],
        name: String? = nil, createdTime: Int64? = nil
    ) {
        self.id = id
        self.schema = schema
        self.partitionColumns = partitionColumns
        self.configuration = configuration
        self.name = name
        self.createdTime = createdTime
    }
}

/// The `add` action: a data file joins the table.
public struct DeltaAddFile: Sendable, Equatable {
    /// Relative to the table's folder.
    public var path: String
    public var partitionValues: [String: String?]
    public var size: Int64
    public var modificationTime: Int64
    public var dataChange: Bool
    /// `DeltaFileStats.json`.
    public var stats: String?

    public init(
        path: String, partitionValues: [String: String?], size: Int64, modificationTime: Int64, dataChange: Bool,
        stats: String?
    ) {
        self.path = path
        self.partitionValues = partitionValues
        self.size = size
        self.modificationTime = modificationTime
        self.dataChange = dataChange
        self.stats = stats
    }
}

/// The `remove` action: a data file leaves the table (a tombstone until vacuumed).
public struct DeltaRemoveFile: Sendable, Equatable {
    public var path: String
    public var deletionTimestamp: Int64
    public var dataChange: Bool
    public var partitionValues: [String: String?]
    public var size: Int64
    public var stats: String?

    public init(
        path: String, deletionTimestamp: Int64, dataChange: Bool, partitionValues: [String: String?], size: Int64,
        stats: String?
    ) {
        self.path = path
        self.deletionTimestamp = deletionTimestamp
        self.dataChange = dataChange
        self.partitionValues = partitionValues
        self.size = size
        self.stats = stats
    }
}

/// The `txn` action: an application's progress, committed with the data it covers.
public struct DeltaTransaction: Sendable, Equatable {
    public var appID: String
    public var version: Int64
    public var lastUpdated: Int64?

    public init(appID: String, version: Int64, lastUpdated: Int64? = nil) {
        self.appID = appID
        self.version = version
        self.lastUpdated = lastUpdated
    }
}

/// The `commitInfo` action: when and what (Sluice's operations: CREATE TABLE, WRITE, OPTIMIZE).
public struct DeltaCommitInfo: Sendable, Equatable {
    public var timestamp: Int64
    public var operation: String
    public var operationParameters: [String: String]
    /// Counts such as numFiles and numOutputRows.
    public var metrics: [String: Int64]
    public var engineInfo: String?

    public init(
        timestamp: Int64, operation: String, operationParameters: [String: String] = [:],
        metrics: [String: Int64] = [:],
        engineInfo: String? = "sluice"
    ) {
        self.timestamp = timestamp
        self.operation = operation
        self.operationParameters = operationParameters
        self.metrics = metrics
        self.engineInfo = engineInfo
    }
}
