import Dispatch
import Foundation

/// Runs a few independent tasks at a time on the calling thread and a fixed set of helper
/// threads, and returns when all are done (fork-join). The engine and replay use it to compute a
/// batch's views and partitions side by side: each task's state is touched by that task only,
/// and the semaphores order each batch's writes before the next batch's reads.
///
/// Dedicated threads rather than Swift concurrency: the tasks are long, CPU-bound and run on a
/// thread that blocks on Kafka, where awaiting is not possible.
///
/// `@unchecked Sendable`: `body`, `order` and `nextTask` are set by the calling thread between
/// runs, while every helper waits on `start`, and read by helpers only under `lock` during a run;
/// `run` returns only after every woken helper signalled `finished`.
public final class ParallelTasks: @unchecked Sendable {
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
    public private(set) var waitedForHelpers: Duration = .zero

    /// `threads` counts the calling thread: 1 runs every task inline. The helpers keep the object
    /// alive until `stop()`.
    public init(threads: Int, name: String) {
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
    public func run(order: [Int], _ body: @escaping (Int) -> Void) {
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
    public func stop() {
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
