import Synchronization

/// Request ids for score requests that bring none: UUID-shaped (version 4 layout) strings from a
/// per-process random seed and a counter, mixed by SplitMix64. Unique within a process by the
/// counter, and across processes with the chance of two 64-bit seeds colliding. Not Foundation's
/// `UUID()`: it opens /dev/urandom on every call, a system call per score request.
final class RequestIDs: Sendable {
    private let seed: UInt64
    private let counter = Atomic<UInt64>(0)

    init(seed: UInt64 = UInt64.random(in: .min ... .max)) {
        self.seed = seed
    }

    func next() -> String {
        let count = counter.wrappingAdd(1, ordering: .relaxed).newValue
        let high = Self.mix(seed &+ count &* 0x9e37_79b9_7f4a_7c15)
        let low = Self.mix(high ^ seed ^ count)
        // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx, y in 8...b.
        let timeHigh = (high & 0x0fff) | 0x4000
        let clock = (low >> 48 & 0x3fff) | 0x8000
        var bytes = [UInt8](repeating: UInt8(ascii: "-"), count: 36)
        Self.hex(high >> 32, digits: 8, into: &bytes, at: 0)
        Self.hex(high >> 16 & 0xffff, digits: 4, into: &bytes, at: 9)
        Self.hex(timeHigh, digits: 4, into: &bytes, at: 14)
        Self.hex(clock, digits: 4, into: &bytes, at: 19)
        Self.hex(low & 0xffff_ffff_ffff, digits: 12, into: &bytes, at: 24)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    private static func hex(_ value: UInt64, digits: Int, into bytes: inout [UInt8], at start: Int) {
        let alphabet: StaticString = "0123456789abcdef"
        for index in 0..<digits {
            let nibble = Int(value >> UInt64(4 * (digits - 1 - index)) & 0xf)
            bytes[start + index] = alphabet.utf8Start[nibble]
        }
    }
}
