/// An entity of a view, as a key of the entities a batch must read from the store.
struct EntityRef: Hashable {
    let view: Int
    let entity: String
}
