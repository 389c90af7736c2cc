import SluiceRedis

/// The pipelines of the last batch written, whose buffers the next batch fills again: a batch's
/// commands run to tens of megabytes, and a buffer that has to grow again touches fresh memory,
/// page by page.
struct PipelineBuffers {
    /// Sorted by capacity, smallest first.
    private var written: [RedisPipeline] = []

    /// Takes back the pipelines of a write that finished.
    mutating func reclaim(_ pipelines: [RedisPipeline]) {
        written = pipelines.sorted { $0.capacity < $1.capacity }
    }

    /// An empty pipeline with the largest (or smallest) buffer kept, or a new one. The apply
    /// outputs take the largest (their commands are most of a batch), the batch's progress the
    /// smallest.
    mutating func take(largest: Bool) -> RedisPipeline {
        guard !written.isEmpty else { return RedisPipeline(reservingCapacity: 1 << 16) }
        var pipeline = largest ? written.removeLast() : written.removeFirst()
        pipeline.removeAll(keepingCapacity: true)
        return pipeline
    }
}
