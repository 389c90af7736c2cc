import Dispatch
import Foundation

/// Runs a few independent tasks at a time on the calling thread and a fixed set of helper
/// threads, and returns when all are done (fork-join). Replay uses it to compute the views of a
/// batch of events side by side: each view's state is touched by one task only, and the
/// semaphores order each batch's writes before the next batch's reads.
///
/// Dedicated threads rather than Swift concurrency: the tasks are long, CPU-bound and run on a
/// thread that blocks on Kafka, where awaiting is not possible.
final class ParallelTasks: @unchecked Sendable {
    private let helpers: Int
    private let start = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    // Guarded by `lock` while helpers run; set by the caller between runs.
    private var body: ((Int) -> Void)?
    private var order: [Int] = []
    private var nextTask = 0
    private var stopping = false
    /// Time the calling thread waited for helpers to finish their last task.
    private(set) var waitedForHelpers: Duration = .zero

    /// `threads` counts the calling thread: 1 runs every task inline. The helpers keep the object
    /// alive until `stop()`.
    init(threads: Int, name: String) {
        helpers = max(0, threads - 1)
        for index in 0..<helpers {
            let thread = Thread { [self] in helperLoop() }
            thread.name = "\(name).\(index + 1)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Runs `body(task)` for every task of `order`, taken in that order by whichever thread is
    /// free (longest first keeps both threads busy to the end).
    func run(order: [Int], _ body: @escaping (Int) -> Void) {
        guard helpers > 0, order.count > 1 else {
            for task in order { body(task) }
            return
        }
        self.order = order
        self.body = body
        nextTask = 0
        let woken = min(helpers, order.count - 1)
        for _ in 0..<woken { start.signal() }
        work()
        let waitStarted = ContinuousClock.now
        for _ in 0..<woken { finished.wait() }
        waitedForHelpers += .now - waitStarted
        self.body = nil
    }

    /// Ends the helper threads; the object must not run tasks afterwards.
    func stop() {
        lock.withLock { stopping = true }
        for _ in 0..<helpers { start.signal() }
    }

    private func helperLoop() {
        while true {
            start.wait()
            if lock.withLock({ stopping }) { return }
            work()
            finished.signal()
        }
    }

    private func work() {
        while let (task, body) = take() { body(task) }
    }

    private func take() -> (Int, (Int) -> Void)? {
        lock.withLock {
            guard nextTask < order.count, let body else { return nil }
            defer { nextTask += 1 }
            return (order[nextTask], body)
        }
    }
}

/// How long a recurring task took last time (to start the longest first) and in all.
struct TaskTime {
    private(set) var last: Duration = .zero
    private(set) var total: Duration = .zero

    mutating func record(since start: ContinuousClock.Instant) {
        last = .now - start
        total += last
    }
}
