/// Redis Cluster's key-to-slot mapping (the cluster specification's "keys distribution model"):
/// CRC16 (XMODEM: polynomial 0x1021, initial value 0) of the key modulo 16384, where a key holding
/// a non-empty hash tag `{...}` is hashed by the tag alone, so that keys sharing a tag share a
/// slot. Pure.
public enum RedisClusterSlot {
    public static let count = 16_384

    /// The slot of `key`.
    public static func of(_ key: some Collection<UInt8>) -> Int {
        Array(key).withUnsafeBufferPointer { of(bytes: $0) }
    }

    public static func of(_ key: String) -> Int { of(key.utf8) }

    /// The slot of the key in `bytes`, without copying them.
    public static func of(bytes: UnsafeBufferPointer<UInt8>) -> Int {
        if let open = bytes.firstIndex(of: UInt8(ascii: "{")),
            let close = bytes[(open + 1)...].firstIndex(of: UInt8(ascii: "}")), close > open + 1
        {
            return Int(crc16(bytes[(open + 1)..<close]) & 0x3FFF)
        }
        return Int(crc16(bytes[...]) & 0x3FFF)
    }

    /// CRC16-CCITT (XMODEM), bit by bit through a 256-entry table.
    static func crc16(_ bytes: UnsafeBufferPointer<UInt8>.SubSequence) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes { crc = (crc << 8) ^ table[Int((crc >> 8) ^ UInt16(byte))] }
        return crc
    }

    private static let table: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }
}
