/// One task of a batch's apply: a view of one partition, or with the feature log, a view of
/// every owned partition (in ascending partition order).
struct ApplyJob {
    let view: Int
    let partitions: [(partition: Int32, entities: ViewEntities)]
    /// The batch's events (indexes into `AdmittedBatch.accepted`) of those partitions, in order.
    let rows: [Int32]

    func entities(of partition: Int32) -> ViewEntities? {
        partitions.first { $0.partition == partition }?.entities
    }
}
