import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceParquet

/// `sluice drift reference`: the source topic's events of an event-time range (say, the training
/// period's payments) as a Parquet file of the topology's fields, in their own types, to serve as
/// the reference of the raw fields that `sluice drift run` monitors. Messages the topology's
/// schema rejects are counted and left out, as the engine leaves them out of the features.
public enum SourceFieldSnapshot {
    public struct Summary: Sendable, Equatable {
        public var messages = 0
        public var rows = 0
        /// Valid events outside [from, to).
        public var outside = 0
        /// Messages the schema rejected.
        public var rejected = 0
    }

    public static func write(
        topology: Topology, client: KafkaClientConfiguration, from: Int64, to: Int64, out: String, logger: Logger,
        timeout: Duration = .seconds(600)
    ) async throws -> Summary {
        let fields = topology.source.fields
        let writer: ParquetWriter
        do {
            writer = try ParquetWriter(
                path: out,
                schema: fields.map { ParquetField($0.name, parquetType($0.type), optional: true) })
        } catch {
            throw OfflineError(.fileSystem, "cannot write \(out): \(error)")
        }
        let decoder = EventDecoder(topology: topology)
        var summary = Summary()
        var failure: (any Error)?
        do {
            summary.messages = try await TopicSnapshot.read(
                topic: topology.source.topic, role: "source", client: client, logger: logger, timeout: timeout
            ) { message in
                guard failure == nil else { return }
                guard case .success(let event) = decoder.decode(message.value, messageTimestamp: message.timestamp)
                else {
                    summary.rejected += 1
                    return
                }
                guard event.eventTime >= from && event.eventTime < to else {
                    summary.outside += 1
                    return
                }
                do {
                    for (field, value) in zip(fields, event.values) { try append(value, type: field.type, to: writer) }
                    try writer.endRow()
                    summary.rows += 1
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            _ = try writer.close()
        } catch {
            writer.discard()
            if let error = error as? OfflineError { throw error }
            throw OfflineError(.fileSystem, "cannot write \(out): \(error)")
        }
        return summary
    }

    static func parquetType(_ type: FieldSpec.FieldType) -> ParquetType {
        switch type {
        case .string: .string
        case .int: .int64
        case .double: .double
        case .bool: .boolean
        case .timestampMillis: .timestampMillis
        }
    }

    private static func append(_ value: FieldValue, type: FieldSpec.FieldType, to writer: ParquetWriter) throws {
        switch (type, value) {
        case (_, .null): try writer.appendNull()
        case (.string, .string(let text)): try writer.append(text)
        case (.double, _): try writer.append(value.doubleValue)
        case (.int, .int(let number)), (.timestampMillis, .int(let number)): try writer.append(number)
        case (.bool, .bool(let flag)): try writer.append(flag)
        default: try writer.appendNull()
        }
    }
}
