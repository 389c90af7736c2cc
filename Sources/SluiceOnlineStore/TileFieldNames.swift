import SluiceCore

/// The field names inside an entity's hash (docs/storage.md): a tile of a group with distinct
/// sets is stored under `<tileSizeMs>:<tileIndex>:<partition>`; the tiles of any other group
/// together under `<tileSizeMs>:*:<partition>` (a tile run); the offset of the newest event of a
/// partition applied to the entity under `o:<partition>`. Values are `TileCodec`'s.
public enum TileFieldNames {
    public static func fieldName(tileSize: Int64, tile: Int64, partition: Int32) -> String {
        "\(tileSize):\(tile):\(partition)"
    }

    /// Appends the field name's bytes, without building a String.
    public static func appendFieldName(tileSize: Int64, tile: Int64, partition: Int32, to buffer: inout [UInt8]) {
        DecimalText.append(tileSize, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        DecimalText.append(tile, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        DecimalText.append(Int64(partition), to: &buffer)
    }

    /// Appends the name of the field holding a group's tile run from `partition`:
    /// `<tileSizeMs>:*:<partition>`.
    public static func appendRunFieldName(tileSize: Int64, partition: Int32, to buffer: inout [UInt8]) {
        DecimalText.append(tileSize, to: &buffer)
        buffer.append(UInt8(ascii: ":"))
        buffer.append(UInt8(ascii: "*"))
        buffer.append(UInt8(ascii: ":"))
        DecimalText.append(Int64(partition), to: &buffer)
    }

    /// Parses a tile run's field name into (tile size, partition); nil for any other field.
    public static func parseRunFieldName(_ name: [UInt8]) -> (tileSize: Int64, partition: Int32)? {
        var position = 0
        guard let tileSize = parseDecimal(name, &position), tileSize > 0, position + 2 < name.count,
            name[position] == UInt8(ascii: ":"),
            name[position + 1] == UInt8(ascii: "*"), name[position + 2] == UInt8(ascii: ":")
        else { return nil }
        position += 3
        guard let partition = parseDecimal(name, &position), position == name.count,
            let partition = Int32(exactly: partition)
        else { return nil }
        return (tileSize, partition)
    }

    /// The field holding the offset of the newest event of `partition` applied to the entity's
    /// tiles: `o:<partition>`. It cannot be mistaken for a tile, whose names are all digits.
    public static func appendAppliedOffsetFieldName(partition: Int32, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "o"))
        buffer.append(UInt8(ascii: ":"))
        DecimalText.append(Int64(partition), to: &buffer)
    }

    /// The partition of an applied-offset field name, nil for any other field.
    public static func parseAppliedOffsetFieldName(_ name: [UInt8]) -> Int32? {
        guard name.count > 2, name[0] == UInt8(ascii: "o"), name[1] == UInt8(ascii: ":") else { return nil }
        return Int32(String(decoding: name[2...], as: UTF8.self))
    }

    /// Parses a field name into (tile size, tile index, partition).
    ///
    /// Public entry points take concrete types: a generic one called from another module runs
    /// unspecialised, through witness tables for every byte.
    public static func parseFieldName(_ name: [UInt8]) -> (tileSize: Int64, tile: Int64, partition: Int32)? {
        var position = 0
        guard let tileSize = parseDecimal(name, &position), tileSize > 0, position < name.count,
            name[position] == UInt8(ascii: ":")
        else { return nil }
        position += 1
        guard let tile = parseDecimal(name, &position), position < name.count, name[position] == UInt8(ascii: ":")
        else { return nil }
        position += 1
        guard let partition = parseDecimal(name, &position), position == name.count,
            let partition = Int32(exactly: partition)
        else { return nil }
        return (tileSize, tile, partition)
    }

    /// An optionally negative decimal at `position`, which moves past it; nil without digits or
    /// on overflow.
    private static func parseDecimal(_ bytes: [UInt8], _ position: inout Int) -> Int64? {
        let negative = position < bytes.count && bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        let start = position
        var value: Int64 = 0
        while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
            let (product, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = product.addingReportingOverflow(Int64(bytes[position] - UInt8(ascii: "0")))
            guard !overflow, !carry else { return nil }
            value = sum
            position += 1
        }
        guard position > start else { return nil }
        return negative ? -value : value
    }
}
