#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - RLE / bit-packed hybrid

/// The RLE/bit-packing hybrid of the Parquet spec, used for definition levels and dictionary
/// indices. Runs of 8 or more equal values become RLE runs; everything else is bit-packed in
/// groups of 8 (the last group padded with zeros, which readers skip using the value count).
enum HybridEncoder {
    static func encode(_ values: [UInt32], bitWidth: Int, into out: inout [UInt8]) {
        precondition((0...32).contains(bitWidth))
        let count = values.count
        var index = 0
        while index < count {
            let run = runLength(values, at: index)
            if run >= 8 {
                writeVarint(UInt64(run) << 1, into: &out)
                writeLittleEndian(values[index], byteCount: (bitWidth + 7) / 8, into: &out)
                index += run
                continue
            }
            // Bit-pack groups of 8 until a long run starts at a group boundary (or the end).
            var end = index
            repeat { end += 8 } while end < count && runLength(values, at: end) < 8
            let groups = (end - index) / 8
            writeVarint(UInt64(groups) << 1 | 1, into: &out)
            bitPack(values, from: index, count: groups * 8, bitWidth: bitWidth, into: &out)
            index = end
        }
    }

    private static func runLength(_ values: [UInt32], at start: Int) -> Int {
        let first = values[start]
        var end = start + 1
        while end < values.count && values[end] == first { end += 1 }
        return end - start
    }

    private static func bitPack(_ values: [UInt32], from start: Int, count: Int, bitWidth: Int, into out: inout [UInt8])
    {
        var buffer: UInt64 = 0
        var bufferedBits = 0
        for position in start..<(start + count) {
            let value = position < values.count ? UInt64(values[position]) : 0
            buffer |= value << UInt64(bufferedBits)
            bufferedBits += bitWidth
            while bufferedBits >= 8 {
                out.append(UInt8(truncatingIfNeeded: buffer))
                buffer >>= 8
                bufferedBits -= 8
            }
        }
        if bufferedBits > 0 { out.append(UInt8(truncatingIfNeeded: buffer)) }
    }

    /// Bits needed to represent every value up to `maxValue`.
    static func bitWidth(forMax maxValue: Int) -> Int {
        maxValue <= 0 ? 0 : Int.bitWidth - maxValue.leadingZeroBitCount
    }
}

// MARK: - Little-endian and varint helpers

func writeVarint(_ value: UInt64, into out: inout [UInt8]) {
    var remaining = value
    while remaining >= 0x80 {
        out.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
        remaining >>= 7
    }
    out.append(UInt8(remaining))
}

func writeLittleEndian<T: FixedWidthInteger>(_ value: T, byteCount: Int = MemoryLayout<T>.size, into out: inout [UInt8])
{
    var remaining = value
    for _ in 0..<byteCount {
        out.append(UInt8(truncatingIfNeeded: remaining))
        remaining >>= 8
    }
}

// MARK: - PLAIN

/// PLAIN encoding of some non-null values of a column buffer, given by their value indices.
enum PlainEncoder {
    static func encode(_ column: ColumnBuffer, values range: some Sequence<Int>, into out: inout [UInt8]) {
        switch column.field.type {
        case .int32:
            for index in range { writeLittleEndian(Int32(truncatingIfNeeded: column.integers[index]), into: &out) }
        case .int64, .timestampMillis:
            for index in range { writeLittleEndian(column.integers[index], into: &out) }
        case .double:
            for index in range { writeLittleEndian(column.doubles[index].bitPattern, into: &out) }
        case .boolean:
            var byte: UInt8 = 0
            var bit = 0
            for index in range {
                if column.integers[index] != 0 { byte |= 1 << UInt8(bit) }
                bit += 1
                if bit == 8 {
                    out.append(byte)
                    byte = 0
                    bit = 0
                }
            }
            if bit > 0 { out.append(byte) }
        case .string:
            column.stringBytes.withUnsafeBufferPointer { bytes in
                for index in range {
                    let slice = column.stringRange(index)
                    writeLittleEndian(UInt32(slice.count), into: &out)
                    out.append(contentsOf: bytes[slice])
                }
            }
        }
    }
}

// MARK: - Dictionary

/// The distinct values of a column chunk in first-seen order, and each value's index.
struct ColumnDictionary {
    /// For each non-null value of the chunk, its dictionary index.
    var indices: [UInt32] = []
    /// Row of the buffer's value (index into the buffer's value arrays) of each dictionary entry.
    var entries: [Int] = []
    /// PLAIN size of the dictionary page.
    var plainBytes = 0

    /// Builds the dictionary, or returns nil once it stops paying off: more than `maxEntries`
    /// entries or a dictionary page above `maxBytes`.
    static func build(_ column: ColumnBuffer, maxEntries: Int, maxBytes: Int) -> ColumnDictionary? {
        var dictionary = ColumnDictionary()
        dictionary.indices.reserveCapacity(column.valueCount)
        switch column.field.type {
        case .string:
            guard dictionary.buildStrings(column, maxEntries: maxEntries, maxBytes: maxBytes) else { return nil }
        case .double:
            let built = column.doubles.withUnsafeBufferPointer { values in
                dictionary.buildNumbers(count: values.count, size: 8, maxEntries: maxEntries, maxBytes: maxBytes) {
                    values[$0].bitPattern
                }
            }
            guard built else { return nil }
        case .int32, .int64, .timestampMillis:
            let size = column.field.type == .int32 ? 4 : 8
            let built = column.integers.withUnsafeBufferPointer { values in
                dictionary.buildNumbers(count: values.count, size: size, maxEntries: maxEntries, maxBytes: maxBytes) {
                    UInt64(bitPattern: values[$0])
                }
            }
            guard built else { return nil }
        case .boolean:
            return nil
        }
        return dictionary
    }

    /// The value index after which a numeric chunk is given up if more than 7 of 8 values so far
    /// were new (sums, means, times): an eighth of the chunk, at least 1,024 values; -1 for none.
    /// Without it, such a dictionary is built through three quarters of the chunk first.
    private static func probeIndex(valueCount: Int) -> Int {
        valueCount <= 2048 ? -1 : max(1023, valueCount / 8 - 1)
    }

    /// Numbers by their 64-bit pattern, in an open-addressing table of entry numbers.
    private mutating func buildNumbers(count: Int, size: Int, maxEntries: Int, maxBytes: Int, key: (Int) -> UInt64)
        -> Bool
    {
        var table = EntryTable(valueCount: count)
        let probe = Self.probeIndex(valueCount: count)
        for valueIndex in 0..<count {
            let value = key(valueIndex)
            add(valueIndex, size: size, in: &table, hash: EntryTable.hash(value)) { key($0) == value }
            if valueIndex == probe && entries.count * 8 > (valueIndex + 1) * 7 { return false }
            if entries.count > maxEntries || plainBytes > maxBytes { return false }
        }
        return true
    }

    /// Records value `valueIndex`: the entry among those at `hash` whose first value `isEntry`
    /// finds equal (it gets that value's index), or a new one of `size` PLAIN bytes.
    private mutating func add(
        _ valueIndex: Int, size: Int, in table: inout EntryTable, hash: UInt64, isEntry: (Int) -> Bool
    ) {
        var slot = table.firstSlot(hash)
        while true {
            let entry = table.entry(at: slot)
            if entry < 0 {
                table.set(slot, to: entries.count)
                indices.append(UInt32(entries.count))
                entries.append(valueIndex)
                plainBytes += size
                return
            }
            if isEntry(entries[Int(entry)]) {
                indices.append(UInt32(entry))
                return
            }
            slot = table.nextSlot(slot)
        }
    }

    /// Strings are looked up in place, over the buffer's bytes, so building the dictionary
    /// allocates no String per value.
    private mutating func buildStrings(_ column: ColumnBuffer, maxEntries: Int, maxBytes: Int) -> Bool {
        let count = column.valueCount
        var table = EntryTable(valueCount: count)
        return column.stringBytes.withUnsafeBytes { bytes in
            for valueIndex in 0..<count {
                let range = column.stringRange(valueIndex)
                let value = UnsafeRawBufferPointer(rebasing: bytes[range])
                add(valueIndex, size: 4 + range.count, in: &table, hash: EntryTable.hash(value)) { entryValue in
                    let other = column.stringRange(entryValue)
                    return other.count == range.count
                        && (range.isEmpty
                            || memcmp(bytes.baseAddress! + other.lowerBound, value.baseAddress!, range.count) == 0)
                }
                if entries.count > maxEntries || plainBytes > maxBytes { return false }
            }
            return true
        }
    }
}

/// An open-addressing (linear probing) table of dictionary entry numbers, at most half full,
/// hashed with a multiply-xorshift mix under a per-process random seed: cheaper per value than
/// `Dictionary` with SipHash, which closing a file does for every value of every column; the
/// seed keeps crafted values (entity ids are user data) from piling up on one slot.
private struct EntryTable {
    private var slots: [Int32]
    private let mask: Int

    init(valueCount: Int) {
        var capacity = 16
        while capacity < valueCount * 2 { capacity <<= 1 }
        slots = Array(repeating: -1, count: capacity)
        mask = capacity - 1
    }

    private static let seed = UInt64.random(in: .min ... .max)

    @inline(__always)
    static func hash(_ key: UInt64) -> UInt64 { mix(key ^ seed) }

    /// A hash of the bytes, 8 at a time.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var state = seed ^ UInt64(bytes.count)
        var offset = 0
        while offset + 8 <= bytes.count {
            state = mix(state ^ bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        if offset < bytes.count {
            var tail: UInt64 = 0
            for index in offset..<bytes.count { tail = tail << 8 | UInt64(bytes[index]) }
            state = mix(state ^ tail)
        }
        return state
    }

    /// The finalizer of MurmurHash3 (every input bit affects every output bit).
    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var value = value
        value ^= value >> 33
        value &*= 0xff51_afd7_ed55_8ccd
        value ^= value >> 33
        value &*= 0xc4ce_b9fe_1a85_ec53
        value ^= value >> 33
        return value
    }

    @inline(__always)
    func firstSlot(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash) & mask }

    @inline(__always)
    func nextSlot(_ slot: Int) -> Int { (slot + 1) & mask }

    @inline(__always)
    func entry(at slot: Int) -> Int32 { slots[slot] }

    @inline(__always)
    mutating func set(_ slot: Int, to entry: Int) { slots[slot] = Int32(entry) }
}
