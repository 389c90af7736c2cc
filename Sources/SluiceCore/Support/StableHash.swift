/// A 64-bit hash that is the same in every process and on every run (Swift's `Hasher` is seeded
/// per process). FNV-1a over the bytes, then the SplitMix64 finalizer for avalanche, which
/// HyperLogLog needs in its top bits.
public enum StableHash {
    public static func hash(_ text: String) -> UInt64 {
        var state: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            state ^= UInt64(byte)
            state = state &* 0x0000_0100_0000_01B3
        }
        return mix(state)
    }

    public static func hash(_ value: FieldValue) -> UInt64 {
        switch value {
        case .string(let text): hash(text)
        case .int(let number): mix(UInt64(bitPattern: number) ^ 0x9E37_79B9_7F4A_7C15)
        case .double(let number): mix(number.bitPattern ^ 0xD6E8_FEB8_6659_FD93)
        case .bool(let flag): mix(flag ? 1 : 2)
        case .null: 0
        }
    }

    /// Eight lowercase hex digits (the top 32 bits of `hash(text)`): short, stable names for
    /// layouts and topologies in Redis keys.
    public static func fingerprint(_ text: String) -> String {
        let hex = String(hash(text) >> 32, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
