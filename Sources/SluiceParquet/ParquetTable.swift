import CSnappy
import CZstd
import Foundation

/// A whole file (or the columns asked for), read into memory.
public struct ParquetTable: Sendable {
    /// The columns read, in `columns` order.
    public var fields: [ParquetField]
    public var columns: [ParquetColumnValues]
    public var rowCount: Int
    public var metadata: [String: String]

    public func column(named name: String) -> ParquetColumnValues? {
        fields.firstIndex { $0.name == name }.map { columns[$0] }
    }
}
