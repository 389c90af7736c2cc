/// One assigned partition: its progress (`machine`) and its cached entities per view. Confined
/// to the engine's thread, except that a batch's apply tasks each change one view's entities.
final class PartitionState {
    let partition: Int32
    var machine = PartitionStateMachine()
    /// Per view: this partition's entities.
    let views: [ViewEntities]

    init(partition: Int32, views: Int) {
        self.partition = partition
        self.views = (0..<views).map { _ in ViewEntities() }
    }

    var cachedEntities: Int { views.reduce(0) { $0 + $1.count } }

    /// Carries out an action of the state machine.
    func perform(_ action: PartitionStateMachine.CacheAction) {
        switch action {
        case .dropCache:
            for view in views { view.removeAll() }
        }
    }

    /// Drops the cached entities to save memory.
    func dropCache() {
        perform(.dropCache)
        machine.cacheDropped()
    }
}
