/// A bounded sample that merges exactly: the `capacity` values whose keys are smallest. With keys
/// that are hashes of unique event ids, it is a uniform sample without replacement of the values
/// seen, the same whatever order they came in and however the stream was split: merging two
/// samples keeps the smallest keys of both, which are the smallest keys of the union. KS and
/// Wasserstein on a window are computed on it (the error bound is in docs/drift.md).
public struct BottomKSample: Sendable {
    struct Entry: Sendable, Comparable {
        var key: UInt64
        var value: Double

        /// By key, then by value's bits, so that equal keys (hash collisions) still order the same
        /// way everywhere.
        static func < (left: Entry, right: Entry) -> Bool {
            left.key != right.key ? left.key < right.key : left.value.bitPattern < right.value.bitPattern
        }
    }

    public let capacity: Int
    /// A max-heap on `Entry` order: the root is the entry the next smaller key evicts.
    private var heap: [Entry] = []

    public init(capacity: Int) {
        precondition(capacity >= 1, "a sample holds at least one value")
        self.capacity = capacity
        heap.reserveCapacity(min(capacity, 1 << 16))
    }

    public var count: Int { heap.count }

    /// The sampled values, in no particular order.
    public var values: [Double] { heap.map(\.value) }

    /// The kept (key, value) pairs, in no particular order: what a window part carries.
    public var entries: [(key: UInt64, value: Double)] { heap.map { ($0.key, $0.value) } }

    public mutating func insert(_ value: Double, key: UInt64) {
        insert(Entry(key: key, value: value))
    }

    public mutating func merge(_ other: BottomKSample) {
        for entry in other.heap { insert(entry) }
    }

    private mutating func insert(_ entry: Entry) {
        if heap.count < capacity {
            heap.append(entry)
            siftUp(heap.count - 1)
        } else if entry < heap[0] {
            heap[0] = entry
            siftDown(0)
        }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[parent] < heap[child] else { return }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var largest = left
            if left + 1 < heap.count && heap[left] < heap[left + 1] { largest = left + 1 }
            guard heap[parent] < heap[largest] else { return }
            heap.swapAt(parent, largest)
            parent = largest
        }
    }
}

extension BottomKSample: Equatable {
    /// Two samples are equal when they hold the same entries, whatever their heaps' layout.
    public static func == (left: BottomKSample, right: BottomKSample) -> Bool {
        left.capacity == right.capacity && left.heap.sorted() == right.heap.sorted()
    }
}
