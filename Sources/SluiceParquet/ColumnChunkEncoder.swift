/// The pages of one column chunk, ready to be written at some file offset, and what the footer
/// says about them.
struct EncodedColumnChunk {
    var bytes: [UInt8] = []
    var usesDictionary = false
    /// Byte offset of the first data page within `bytes` (after the dictionary page, if any).
    var firstDataPageOffset = 0
    var uncompressedSize = 0
    var valueCount = 0
    var statistics: ColumnStatistics
}

/// Turns a column buffer into a dictionary page (when it pays off) and data pages (v1), each
/// compressed with the writer's codec.
struct ColumnChunkEncoder {
    let options: ParquetWriterOptions
    let compressor: PageCompressor

    /// Reused between pages, so encoding a chunk allocates a handful of buffers, not one per page.
    private var body: [UInt8] = []
    private var levels: [UInt32] = []

    init(options: ParquetWriterOptions, compressor: PageCompressor) {
        self.options = options
        self.compressor = compressor
    }

    mutating func encode(_ column: ColumnBuffer) throws(ParquetError) -> EncodedColumnChunk {
        var chunk = EncodedColumnChunk(valueCount: column.rowCount, statistics: ColumnStatistics(column))
        var dictionary: ColumnDictionary?
        if column.field.allowsDictionary && column.valueCount > 0 {
            // A dictionary with more entries than 3/4 of the values saves little and costs a lookup.
            dictionary = ColumnDictionary.build(
                column, maxEntries: max(1, column.valueCount * 3 / 4), maxBytes: options.dictionaryPageLimit)
        }
        if let dictionary {
            body.removeAll(keepingCapacity: true)
            PlainEncoder.encode(column, values: dictionary.entries, into: &body)
            try appendPage(to: &chunk) { thrift, uncompressedSize, compressedSize in
                thrift.field(1, i32: 2)  // DICTIONARY_PAGE
                thrift.field(2, i32: Int32(uncompressedSize))
                thrift.field(3, i32: Int32(compressedSize))
                thrift.field(7) { header in
                    header.field(1, i32: Int32(dictionary.entries.count))
                    header.field(2, i32: ParquetEncoding.plain)
                }
            }
            chunk.usesDictionary = true
            chunk.firstDataPageOffset = chunk.bytes.count
        }

        let rowsPerPage = max(1, column.rowCount * options.pageBytes / max(1, column.plainBytes))
        let bitWidth = HybridEncoder.bitWidth(forMax: (dictionary?.entries.count ?? 1) - 1)
        var firstRow = 0
        var firstValue = 0
        while firstRow < column.rowCount || (firstRow == 0 && column.rowCount == 0) {
            let endRow = min(column.rowCount, firstRow + rowsPerPage)
            body.removeAll(keepingCapacity: true)
            var valueCountInPage = endRow - firstRow
            if column.field.isOptional {
                levels.removeAll(keepingCapacity: true)
                valueCountInPage = 0
                for row in firstRow..<endRow {
                    let isPresent = column.present[row]
                    levels.append(isPresent ? 1 : 0)
                    if isPresent { valueCountInPage += 1 }
                }
                body.append(contentsOf: [0, 0, 0, 0])  // length prefix, patched below
                HybridEncoder.encode(levels, bitWidth: 1, into: &body)
                let length = UInt32(body.count - 4)
                for byte in 0..<4 { body[byte] = UInt8(truncatingIfNeeded: length >> (8 * UInt32(byte))) }
            }
            let values = firstValue..<(firstValue + valueCountInPage)
            if let dictionary {
                body.append(UInt8(bitWidth))
                HybridEncoder.encode(Array(dictionary.indices[values]), bitWidth: bitWidth, into: &body)
            } else {
                PlainEncoder.encode(column, values: values, into: &body)
            }
            let rowsInPage = endRow - firstRow
            let encoding = dictionary == nil ? ParquetEncoding.plain : ParquetEncoding.rleDictionary
            try appendPage(to: &chunk) { thrift, uncompressedSize, compressedSize in
                thrift.field(1, i32: 0)  // DATA_PAGE
                thrift.field(2, i32: Int32(uncompressedSize))
                thrift.field(3, i32: Int32(compressedSize))
                thrift.field(5) { header in
                    header.field(1, i32: Int32(rowsInPage))
                    header.field(2, i32: encoding)
                    header.field(3, i32: ParquetEncoding.rle)
                    header.field(4, i32: ParquetEncoding.rle)
                }
            }
            firstRow = endRow
            firstValue += valueCountInPage
            if column.rowCount == 0 { break }
        }
        return chunk
    }

    /// Compresses `body` and appends its page header and the compressed bytes to the chunk.
    private mutating func appendPage(
        to chunk: inout EncodedColumnChunk, header: (inout ThriftCompactWriter, Int, Int) -> Void
    ) throws(ParquetError) {
        var compressed: [UInt8] = []
        compressed.reserveCapacity(body.count / 2 + 64)
        try compressor.compress(body, into: &compressed)
        var thrift = ThriftCompactWriter()
        thrift.beginStruct()
        header(&thrift, body.count, compressed.count)
        thrift.endStruct()
        chunk.bytes.append(contentsOf: thrift.bytes)
        chunk.bytes.append(contentsOf: compressed)
        chunk.uncompressedSize += thrift.bytes.count + body.count
    }
}
