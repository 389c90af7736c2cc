#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file opened for writing through a buffer, with the errors of every system call turned into
/// `ParquetError.ioFailed` naming the path and the reason.
final class OutputFile {
    let path: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    /// Bytes written so far, buffered or not: the offset of the next byte.
    private(set) var offset = 0

    private static let bufferLimit = 1 << 20

    init(creating path: String) throws(ParquetError) {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.failure("open", path) }
        buffer.reserveCapacity(Self.bufferLimit)
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    func write(_ bytes: [UInt8]) throws(ParquetError) {
        offset += bytes.count
        if buffer.count + bytes.count > Self.bufferLimit {
            try flush()
            if bytes.count > Self.bufferLimit {
                try writeAll(bytes)
                return
            }
        }
        buffer.append(contentsOf: bytes)
    }

    func flush() throws(ParquetError) {
        guard !buffer.isEmpty else { return }
        try writeAll(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    func sync() throws(ParquetError) {
        guard fsync(descriptor) == 0 else { throw Self.failure("fsync", path) }
    }

    func close() throws(ParquetError) {
        let result = Glibc.close(descriptor)
        descriptor = -1
        guard result == 0 else { throw Self.failure("close", path) }
    }

    /// The 4 bytes that open and end every Parquet file.
    static let parquetMagic: [UInt8] = Array("PAR1".utf8)

    /// Ends a Parquet file after its data: the footer, its length and the magic; then flushes,
    /// fsyncs if `sync` and closes.
    func finishParquet(footer: [UInt8], sync: Bool) throws(ParquetError) {
        try write(footer)
        var length: [UInt8] = []
        writeLittleEndian(UInt32(footer.count), into: &length)
        try write(length)
        try write(Self.parquetMagic)
        try flush()
        if sync { try self.sync() }
        try close()
    }

    /// Closes without flushing; the caller removes the file.
    func discard() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
        buffer.removeAll()
    }

    private func writeAll(_ bytes: [UInt8]) throws(ParquetError) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                Glibc.write(descriptor, raw.baseAddress! + written, raw.count - written)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw Self.failure("write", path)
            }
            written += result
        }
    }

    static func failure(_ operation: String, _ path: String) -> ParquetError {
        ParquetError(.ioFailed, "\(operation) \(path): \(String(cString: strerror(errno)))")
    }
}
