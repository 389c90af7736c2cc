/// The binary form of tiles, as the online store keeps them (docs/storage.md; the field names
/// they are stored under are `TileFieldNames`', in SluiceOnlineStore). A tile of a group with
/// distinct sets is one value; the tiles of any other group are stored together as a tile run
/// (`encodeRun`). A tile's value is, little-endian:
///
///     version u8 (= 1)
///     count varint
///     per numeric slot: count varint, sum f64, min f64, max f64, m2 f64
///     per distinct slot: 0 u8, n varint, n × u64 sorted hashes   | 1 u8, 4096 × u8 HLL registers
///     has-last u8; if 1: time i64, partition varint, offset i64, per last slot a value
///     value: 0 null | 1 f64 | 2 i64 | 3 varint length + UTF-8 | 4 u8 bool
///
/// The slots' meaning comes from the view's `TileGroup`, which is why the key prefix carries the
/// layout fingerprint.
public enum TileCodec {
    public static let version: UInt8 = 1

    /// The version byte of a tile run.
    public static let runVersion: UInt8 = 2

    /// Encodes a group's tiles (one partition's, in ascending tile order) as one value:
    ///
    ///     version u8 (= 2)
    ///     n varint, then n × (tile index i64, length varint, tile as `encode` writes it)
    public static func encodeRun(_ run: TileRun, into buffer: inout [UInt8]) {
        run.withEntries { entries in
            // Entries lent through a pointer: reading one from the buffer would copy its tile (a
            // retain and release of every array the tile holds) for `encode`.
            let tiles = UnsafeMutableBufferPointer(mutating: entries)
            withUnsafeTemporaryAllocation(of: Int.self, capacity: tiles.count) { sizes in
                var size = 1 + varintSize(UInt64(tiles.count))
                for index in tiles.indices {
                    sizes[index] = encodedSize(lent: &tiles[index].accumulator)
                    size += 8 + varintSize(UInt64(sizes[index])) + sizes[index]
                }
                appendExactly(size, to: &buffer) { writer in
                    writer.byte(runVersion)
                    writer.varint(UInt64(tiles.count))
                    for index in tiles.indices {
                        writer.fixed(UInt64(bitPattern: tiles[index].tile))
                        writer.varint(UInt64(sizes[index]))
                        write(lent: &tiles[index].accumulator, to: &writer)
                    }
                }
            }
        }
    }

    /// Decodes a tile run into (tile index, tile) pairs, in the order they were written.
    public static func decodeRun(_ bytes: [UInt8], group: TileGroup) throws(DecodingError) -> [(
        tile: Int64, accumulator: TileAccumulator
    )] {
        var tiles: [(tile: Int64, accumulator: TileAccumulator)] = []
        try decodeRun(bytes, group: group) { tiles.append(($0, $1)) }
        return tiles
    }

    /// The same, handing each tile to `each` instead of collecting them.
    public static func decodeRun(_ bytes: [UInt8], group: TileGroup, each: (Int64, TileAccumulator) -> Void)
        throws(DecodingError)
    {
        try forEachRunTile(bytes) { (tile: Int64, reader: inout ByteReader<[UInt8]>) throws(DecodingError) in
            var accumulator = group.emptyAccumulator()
            try decodeTile(&reader, group: group, into: &accumulator)
            each(tile, accumulator)
        }
    }

    public static func encode(_ tile: TileAccumulator, into buffer: inout [UInt8]) {
        var tile = tile
        encode(lent: &tile, into: &buffer)
    }

    /// `encode`, with the tile lent `inout` so that a caller reading it from memory it does not
    /// own does not copy it first; the tile is not changed.
    public static func encode(lent tile: inout TileAccumulator, into buffer: inout [UInt8]) {
        appendExactly(encodedSize(lent: &tile), to: &buffer) { write(lent: &tile, to: &$0) }
    }

    /// The number of bytes `encode` writes for `tile` (lent as there).
    static func encodedSize(lent tile: inout TileAccumulator) -> Int {
        var size = 1 + varintSize(UInt64(tile.count)) + 32 * tile.numeric.count
        // Slots through buffer pointers: iterating an array retains and releases it, which for
        // the engine's many small tiles cost more than the encoding.
        tile.numeric.withUnsafeBufferPointer { slots in
            for stats in slots { size += varintSize(UInt64(stats.count)) }
        }
        tile.distinct.withUnsafeBufferPointer { slots in
            for sketch in slots {
                switch sketch {
                case .exact(let hashes): size += 1 + varintSize(UInt64(hashes.count)) + 8 * hashes.count
                case .hyperLogLog(let registers): size += 1 + registers.count
                }
            }
        }
        size += 1
        guard tile.hasLast else { return size }
        size += 8 + varintSize(UInt64(UInt32(bitPattern: tile.lastPartition))) + 8
        tile.lastValues.withUnsafeBufferPointer { slots in
            for value in slots {
                switch value {
                case .null: size += 1
                case .double, .int: size += 9
                case .string(let text): size += 1 + varintSize(UInt64(text.utf8.count)) + text.utf8.count
                case .bool: size += 2
                }
            }
        }
        return size
    }

    /// Writes the `encodedSize` bytes of `tile`.
    private static func write(lent tile: inout TileAccumulator, to writer: inout ByteWriter) {
        writer.byte(version)
        writer.varint(UInt64(tile.count))
        tile.numeric.withUnsafeBufferPointer { slots in
            for stats in slots {
                writer.varint(UInt64(stats.count))
                writer.fixed(stats.sum.bitPattern)
                writer.fixed(stats.minimum.bitPattern)
                writer.fixed(stats.maximum.bitPattern)
                writer.fixed(stats.m2.bitPattern)
            }
        }
        tile.distinct.withUnsafeBufferPointer { slots in
            for sketch in slots {
                switch sketch {
                case .exact(let hashes):
                    writer.byte(0)
                    writer.varint(UInt64(hashes.count))
                    hashes.withUnsafeBufferPointer { for hash in $0 { writer.fixed(hash) } }
                case .hyperLogLog(let registers):
                    writer.byte(1)
                    registers.withUnsafeBytes { writer.bytes($0) }
                }
            }
        }
        guard tile.hasLast else {
            writer.byte(0)
            return
        }
        writer.byte(1)
        writer.fixed(UInt64(bitPattern: tile.lastTime))
        writer.varint(UInt64(UInt32(bitPattern: tile.lastPartition)))
        writer.fixed(UInt64(bitPattern: tile.lastOffset))
        tile.lastValues.withUnsafeBufferPointer { slots in
            for value in slots {
                switch value {
                case .null: writer.byte(0)
                case .double(let number):
                    writer.byte(1)
                    writer.fixed(number.bitPattern)
                case .int(let number):
                    writer.byte(2)
                    writer.fixed(UInt64(bitPattern: number))
                case .string(var text):
                    writer.byte(3)
                    writer.varint(UInt64(text.utf8.count))
                    text.withUTF8 { writer.bytes(UnsafeRawBufferPointer($0)) }
                case .bool(let flag):
                    writer.byte(4)
                    writer.byte(flag ? 1 : 0)
                }
            }
        }
    }

    public static func encode(_ tile: TileAccumulator) -> [UInt8] {
        var buffer: [UInt8] = []
        encode(tile, into: &buffer)
        return buffer
    }

    public struct DecodingError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func decode(_ bytes: [UInt8], group: TileGroup) throws(DecodingError) -> TileAccumulator {
        var tile = group.emptyAccumulator()
        try decode(bytes, group: group, into: &tile)
        return tile
    }

    /// Decodes a tile into `tile`, whatever it held, reusing its slot arrays and exact distinct
    /// sets where no one else holds them: decoding into the same storage read after read
    /// allocates nothing.
    public static func decode(_ bytes: [UInt8], group: TileGroup, into tile: inout TileAccumulator)
        throws(DecodingError)
    {
        var reader = ByteReader(bytes: bytes)
        try decodeTile(&reader, group: group, into: &tile)
        guard reader.isAtEnd else { throw DecodingError(description: "trailing bytes after the tile") }
    }

    /// Decodes a tile run into `buffer`'s storage, each tile added as (`groupIndex`, its tile
    /// index, `partition`), in the order they were written.
    public static func decodeRun(
        _ bytes: [UInt8], group: TileGroup, groupIndex: Int, partition: Int32, into buffer: inout StoredTileBuffer
    ) throws(DecodingError) {
        try forEachRunTile(bytes) { (tile: Int64, reader: inout ByteReader<[UInt8]>) throws(DecodingError) in
            let position = buffer.add(group: groupIndex, tile: tile, partition: partition)
            try decodeTile(&reader, group: group, into: &buffer.tiles[position].accumulator)
        }
    }

    /// Reads a run's header and hands `each` every tile's index with the reader standing at the
    /// tile, checking that it reads exactly the tile's stated length.
    private static func forEachRunTile(
        _ bytes: [UInt8], _ each: (Int64, inout ByteReader<[UInt8]>) throws(DecodingError) -> Void
    ) throws(DecodingError) {
        var reader = ByteReader(bytes: bytes)
        guard try reader.byte() == runVersion else {
            throw DecodingError(description: "unknown tile run encoding version")
        }
        let count = try reader.varint()
        guard count <= UInt64(bytes.count) else { throw DecodingError(description: "tile run count too large") }
        for _ in 0..<count {
            let tile = Int64(bitPattern: try reader.fixed())
            let length = try reader.varint()
            guard length <= UInt64(bytes.count) else { throw DecodingError(description: "tile is truncated") }
            // Read in place: the tile must take exactly its length.
            let end = reader.position + Int(length)
            try each(tile, &reader)
            guard reader.position == end else {
                throw DecodingError(description: "a tile of the run is not its stated length")
            }
        }
        guard reader.isAtEnd else { throw DecodingError(description: "trailing bytes after the tile run") }
    }

    /// Reads one tile where `reader` stands into `tile`, every member overwritten; slot arrays
    /// of the wrong length are replaced, others written in place.
    private static func decodeTile(
        _ reader: inout ByteReader<[UInt8]>, group: TileGroup, into tile: inout TileAccumulator
    ) throws(DecodingError) {
        guard try reader.byte() == version else { throw DecodingError(description: "unknown tile encoding version") }
        tile.count = Int64(try reader.varint())
        if tile.numeric.count != group.numericFields.count {
            tile.numeric = Array(repeating: NumericStats(), count: group.numericFields.count)
        }
        for slot in tile.numeric.indices {
            tile.numeric[slot] = NumericStats(
                count: Int64(try reader.varint()), sum: try reader.double(), minimum: try reader.double(),
                maximum: try reader.double(), m2: try reader.double())
        }
        if tile.distinct.count != group.distinctFields.count {
            tile.distinct = Array(repeating: .empty, count: group.distinctFields.count)
        }
        for slot in tile.distinct.indices {
            switch try reader.byte() {
            case 0:
                let count = Int(try reader.varint())
                guard count <= DistinctSketch.exactLimit + 1 else {
                    throw DecodingError(description: "distinct set too large")
                }
                // The slot's own set, emptied and refilled: taken out first so that it is the
                // only reference to its storage.
                var hashes: [UInt64] = []
                if case .exact(let held) = tile.distinct[slot] { hashes = held }
                tile.distinct[slot] = .empty
                hashes.removeAll(keepingCapacity: true)
                hashes.reserveCapacity(count)
                for _ in 0..<count { hashes.append(try reader.fixed()) }
                tile.distinct[slot] = .exact(hashes)
            case 1:
                tile.distinct[slot] = .hyperLogLog(try reader.bytes(DistinctSketch.registerCount))
            default:
                throw DecodingError(description: "unknown distinct sketch kind")
            }
        }
        if tile.lastValues.count != group.lastFields.count {
            tile.lastValues = Array(repeating: .null, count: group.lastFields.count)
        }
        if try reader.byte() == 1 {
            tile.lastTime = Int64(bitPattern: try reader.fixed())
            tile.lastPartition = Int32(bitPattern: UInt32(truncatingIfNeeded: try reader.varint()))
            tile.lastOffset = Int64(bitPattern: try reader.fixed())
            for slot in tile.lastValues.indices {
                switch try reader.byte() {
                case 0: tile.lastValues[slot] = .null
                case 1: tile.lastValues[slot] = .double(try reader.double())
                case 2: tile.lastValues[slot] = .int(Int64(bitPattern: try reader.fixed()))
                case 3:
                    tile.lastValues[slot] = .string(
                        String(decoding: try reader.bytes(Int(try reader.varint())), as: UTF8.self))
                case 4: tile.lastValues[slot] = .bool(try reader.byte() == 1)
                default: throw DecodingError(description: "unknown value kind")
                }
            }
        } else {
            tile.lastTime = .min
            tile.lastPartition = -1
            tile.lastOffset = -1
            for slot in tile.lastValues.indices { tile.lastValues[slot] = .null }
        }
    }

    // MARK: - Primitives

    @inline(__always)
    static func varintSize(_ value: UInt64) -> Int {
        // 7 bits per byte; 0 takes one byte.
        (64 - (value | 1).leadingZeroBitCount + 6) / 7
    }

    /// Appends exactly `size` bytes, which `write` puts through a pointer: appending byte by byte
    /// checks the array's uniqueness and capacity every time, which cost more than the encoding.
    @inline(__always)
    static func appendExactly(_ size: Int, to buffer: inout [UInt8], _ write: (inout ByteWriter) -> Void) {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: size))
        buffer.withUnsafeMutableBytes { bytes in
            var writer = ByteWriter(bytes[start...])
            write(&writer)
            precondition(writer.isAtEnd, "the tile encoding's size was miscounted")
        }
    }
}

/// Writes into a fixed span of bytes, checking every write against its end.
struct ByteWriter {
    private var position: UnsafeMutableRawPointer
    private let end: UnsafeMutableRawPointer

    init(_ span: Slice<UnsafeMutableRawBufferPointer>) {
        let rebased = UnsafeMutableRawBufferPointer(rebasing: span)
        position = rebased.baseAddress ?? UnsafeMutableRawPointer(bitPattern: 1)!
        end = position + rebased.count
    }

    var isAtEnd: Bool { position == end }

    @inline(__always)
    private mutating func take(_ count: Int) -> UnsafeMutableRawPointer {
        precondition(end - position >= count, "write past the reserved bytes")
        defer { position += count }
        return position
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) { take(1).storeBytes(of: value, as: UInt8.self) }

    @inline(__always)
    mutating func fixed(_ value: UInt64) { take(8).storeBytes(of: value.littleEndian, as: UInt64.self) }

    @inline(__always)
    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            byte(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        byte(UInt8(value))
    }

    @inline(__always)
    mutating func bytes(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress else { return }
        take(bytes.count).copyMemory(from: source, byteCount: bytes.count)
    }
}

private struct ByteReader<Bytes: RandomAccessCollection<UInt8>> where Bytes.Index == Int {
    let bytes: Bytes
    var position: Int

    init(bytes: Bytes) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    var isAtEnd: Bool { position == bytes.endIndex }

    mutating func byte() throws(TileCodec.DecodingError) -> UInt8 {
        guard position < bytes.endIndex else { throw TileCodec.DecodingError(description: "tile is truncated") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws(TileCodec.DecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            result |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return result }
            shift += 7
            guard shift < 64 else { throw TileCodec.DecodingError(description: "varint too long") }
        }
    }

    mutating func fixed() throws(TileCodec.DecodingError) -> UInt64 {
        guard position + 8 <= bytes.endIndex else { throw TileCodec.DecodingError(description: "tile is truncated") }
        defer { position += 8 }
        if let value = bytes.withContiguousStorageIfAvailable({ buffer in
            UnsafeRawBufferPointer(buffer).loadUnaligned(fromByteOffset: position - bytes.startIndex, as: UInt64.self)
        }) {
            return UInt64(littleEndian: value)
        }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[position + index]) << UInt64(index * 8) }
        return value
    }

    mutating func double() throws(TileCodec.DecodingError) -> Double { Double(bitPattern: try fixed()) }

    mutating func bytes(_ count: Int) throws(TileCodec.DecodingError) -> [UInt8] {
        guard count >= 0, position + count <= bytes.endIndex else {
            throw TileCodec.DecodingError(description: "tile is truncated")
        }
        defer { position += count }
        return Array(bytes[position..<position + count])
    }
}
