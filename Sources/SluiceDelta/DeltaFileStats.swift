import Foundation

/// A data file's statistics as an `add` action carries them (`stats`, a JSON string): the row
/// count, and per column the smallest and largest value and the number of nulls. Readers use
/// them to skip files; `sluice offline check` compares them with the files.
public struct DeltaFileStats: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case integer(Int64)
        case double(Double)
        case string(String)
        case boolean(Bool)
        /// Epoch milliseconds, written as an ISO-8601 UTC timestamp.
        case timestamp(Int64)
    }

    public var numRecords: Int64
    public var minValues: [String: Value]
    public var maxValues: [String: Value]
    public var nullCount: [String: Int64]

    public init(
        numRecords: Int64, minValues: [String: Value] = [:], maxValues: [String: Value] = [:],
        nullCount: [String: Int64] = [:]
    ) {
        self.numRecords = numRecords
        self.minValues = minValues
        self.maxValues = maxValues
        self.nullCount = nullCount
    }

    /// String bounds are cut to this many characters (the protocol allows a prefix): the minimum
    /// stays a lower bound; a cut maximum is not an upper bound, so it is left out.
    public static let stringPrefix = 32

    public var json: String {
        func encode(_ values: [String: Value]) -> [String: Any] {
            var object: [String: Any] = [:]
            for (name, value) in values {
                switch value {
                case .integer(let number): object[name] = number
                // JSON has no NaN nor infinity: such bounds are left out.
                case .double(let number): if number.isFinite { object[name] = number }
                case .string(let text): object[name] = text
                case .boolean(let flag): object[name] = flag
                case .timestamp(let milliseconds): object[name] = Self.iso(milliseconds)
                }
            }
            return object
        }
        return DeltaJSON.text([
            "numRecords": numRecords, "minValues": encode(minValues), "maxValues": encode(maxValues),
            "nullCount": nullCount,
        ])
    }

    /// Parses an `add` action's `stats`; nil when it is not stats JSON. Bounds come back as the
    /// JSON gives them (numbers as integer or double, timestamps as text).
    public init?(json: String) {
        guard let raw = try? JSONDecoder().decode(Raw.self, from: Data(json.utf8)) else { return nil }
        self.init(
            numRecords: raw.numRecords, minValues: (raw.minValues ?? [:]).mapValues(\.value),
            maxValues: (raw.maxValues ?? [:]).mapValues(\.value), nullCount: raw.nullCount ?? [:])
    }

    private struct Raw: Decodable {
        var numRecords: Int64
        var minValues: [String: Scalar]?
        var maxValues: [String: Scalar]?
        var nullCount: [String: Int64]?
    }

    /// A JSON scalar, told apart as JSONDecoder does (a boolean is not a number).
    private struct Scalar: Decodable {
        var value: Value

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) {
                value = .boolean(flag)
            } else if let integer = try? container.decode(Int64.self) {
                value = .integer(integer)
            } else if let number = try? container.decode(Double.self) {
                value = .double(number)
            } else {
                value = .string(try container.decode(String.self))
            }
        }
    }

    /// `2026-12-07T01:02:03.456Z`.
    static func iso(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
