import CSnappy
import CZstd
import Foundation

/// The values of one column, nulls included.
public enum ParquetColumnValues: Sendable, Equatable {
    case strings([String?])
    case int32s([Int32?])
    case int64s([Int64?])
    case doubles([Double?])
    case booleans([Bool?])

    public var count: Int {
        switch self {
        case .strings(let values): values.count
        case .int32s(let values): values.count
        case .int64s(let values): values.count
        case .doubles(let values): values.count
        case .booleans(let values): values.count
        }
    }
}
