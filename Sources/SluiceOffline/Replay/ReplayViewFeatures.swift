import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceRuntime

/// One view's features of the rows of the last two batches (by parity: one batch's rows are
/// written while the next one is processed), `width` values per row. The view's shards write
/// disjoint rows of one batch from several threads, hence raw memory rather than an array.
final class ReplayViewFeatures {
    let width: Int
    private var buffers: [UnsafeMutableBufferPointer<Double?>] = [
        .init(start: nil, count: 0), .init(start: nil, count: 0),
    ]

    init(width: Int) { self.width = width }

    deinit {
        for buffer in buffers { buffer.deallocate() }
    }

    /// Makes room for `rows` rows; called before the shards start.
    func reserve(rows: Int, parity: Int) {
        guard buffers[parity].count < rows * width else { return }
        buffers[parity].deallocate()
        buffers[parity] = .allocate(capacity: max(rows * width, 2 * buffers[parity].count))
        buffers[parity].initialize(repeating: nil)
    }

    func store(_ values: [Double?], row: Int, parity: Int) {
        precondition(values.count == width)
        let target = buffers[parity]
        for index in 0..<width { target[row * width + index] = values[index] }
    }

    func append(row: Int, parity: Int, to values: inout [Double?]) {
        values.append(contentsOf: buffers[parity][row * width..<(row + 1) * width])
    }
}
