import CSnappy
import CZstd

/// Compresses page bodies with one codec. Owns a reusable zstd context, so it is not
/// thread-safe: one writer uses it at a time.
final class PageCompressor {
    let compression: ParquetCompression
    private let zstdLevel: Int32
    private let zstdContext: OpaquePointer?

    init(_ compression: ParquetCompression, zstdLevel: Int32) throws(ParquetError) {
        self.compression = compression
        self.zstdLevel = zstdLevel
        if compression == .zstd {
            guard let context = ZSTD_createCCtx() else {
                throw ParquetError(.compressionFailed, "could not allocate a zstd compression context")
            }
            zstdContext = context
        } else {
            zstdContext = nil
        }
    }

    deinit {
        if let zstdContext { ZSTD_freeCCtx(zstdContext) }
    }

    /// Appends the compressed form of `input` to `output`.
    func compress(_ input: [UInt8], into output: inout [UInt8]) throws(ParquetError) {
        switch compression {
        case .uncompressed:
            output.append(contentsOf: input)
        case .zstd:
            let bound = ZSTD_compressBound(input.count)
            let start = output.count
            output.append(contentsOf: repeatElement(0, count: bound))
            let written = output.withUnsafeMutableBufferPointer { out in
                input.withUnsafeBufferPointer { source in
                    ZSTD_compressCCtx(
                        zstdContext, out.baseAddress! + start, bound, source.baseAddress, source.count, zstdLevel)
                }
            }
            if ZSTD_isError(written) != 0 {
                output.removeLast(bound)
                throw ParquetError(.compressionFailed, "zstd: \(String(cString: ZSTD_getErrorName(written)))")
            }
            output.removeLast(bound - written)
        case .snappy:
            var length = snappy_max_compressed_length(input.count)
            let bound = length
            let start = output.count
            output.append(contentsOf: repeatElement(0, count: bound))
            let status = output.withUnsafeMutableBufferPointer { out in
                input.withUnsafeBufferPointer { source in
                    source.withMemoryRebound(to: CChar.self) { chars in
                        (out.baseAddress! + start).withMemoryRebound(to: CChar.self, capacity: bound) { target in
                            snappy_compress(chars.baseAddress, chars.count, target, &length)
                        }
                    }
                }
            }
            if status != SNAPPY_OK {
                output.removeLast(bound)
                throw ParquetError(.compressionFailed, "snappy_compress failed with status \(status.rawValue)")
            }
            output.removeLast(bound - length)
        }
    }
}
