import Synchronization

/// Work split into independent items, done on several threads and used in order: the one
/// facility behind parallel recompression.
///
/// ``stream(jobs:window:next:work:consume:)`` is a pipeline with no barrier: the calling
/// thread makes items and consumes results in item order, while `jobs` worker threads
/// (``BlockingWork/start(_:)``) take items as they come. A worker that finishes one item takes
/// the next at once, whatever the others are doing, so one slow item holds up only the
/// consumer, never the other workers. Memory is bounded by `window` items and results in
/// flight.
enum OrderedParallelWork {
    /// Works on `items` with up to `jobs` threads; returns the results in item order.
    /// - Throws: the error of the first item (in item order) whose work failed.
    static func map<Item: Sendable, Output: Sendable>(
        _ items: [Item], jobs: Int,
        _ work: @escaping @Sendable (Item) throws -> Output
    ) throws -> [Output] {
        guard jobs > 1, items.count > 1 else { return try items.map(work) }
        let results = Mutex([Result<Output, any Error>?](repeating: nil, count: items.count))
        BlockingWork.parallelForEach(count: items.count, jobs: jobs) { index in
            let result = Result { try work(items[index]) }
            results.withLock { $0[index] = result }
        }
        return try results.withLock { all in
            try all.map { result in
                guard let result else { preconditionFailure("an item was not worked on") }
                return try result.get()
            }
        }
    }

    /// Streams items through `work`: `next` makes items on the calling thread (nil at the
    /// end), up to `jobs` worker threads work on them, and `consume` receives the results in
    /// order on the calling thread. At most `window` items are made and not yet consumed.
    /// `work` owns its item (it may take the item's buffers into its result for reuse).
    ///
    /// When `next`, `work` or `consume` throws, no new item is started, the workers finish
    /// what they hold and end, and the error is thrown once they have (for `work`, the error
    /// of the first item in item order that failed). Nothing runs after this returns.
    static func stream<Item: Sendable, Output: Sendable>(
        jobs: Int, window: Int, next: () throws -> Item?,
        work: @escaping @Sendable (consuming Item) throws -> Output,
        consume: (Output) throws -> Void
    ) throws {
        guard jobs > 1 else {
            while let item = try next() { try consume(try work(item)) }
            return
        }
        let queue = OrderedWorkQueue<Item, Output>()
        let workers = (0..<jobs).map { _ in BlockingWork.start { queue.runWorker(work) } }
        defer {
            queue.close()
            for worker in workers { worker.wait() }
        }
        var made = 0
        var consumed = 0
        var ended = false
        let window = max(window, jobs)
        while true {
            while !ended && made - consumed < window {
                if let item = try next() {
                    queue.submit(item)
                    made += 1
                } else {
                    ended = true
                }
            }
            guard consumed < made else { return }
            let output = try queue.result(at: consumed)
            consumed += 1
            try consume(output)
        }
    }
}

/// The shared state of one ``OrderedParallelWork/stream(jobs:window:next:work:consume:)``:
/// items waiting for a worker, and results waiting for the consumer, by item index.
private final class OrderedWorkQueue<Item: Sendable, Output: Sendable>: Sendable {
    private struct State {
        /// Items not yet taken, in order, with their indices.
        var waiting: [(index: Int, item: Item)] = []
        var submitted = 0
        var results: [Int: Result<Output, any Error>] = [:]
        /// No more items will be taken: the stream ended, or an item failed.
        var closed = false
    }

    private let state = ConditionMutex(State())

    func submit(_ item: Item) {
        state.update { state in
            state.waiting.append((state.submitted, item))
            state.submitted += 1
        }
    }

    /// Stops the workers taking items; those running finish.
    func close() {
        state.update { $0.closed = true }
    }

    /// Waits for the result of item `index` and takes it.
    func result(at index: Int) throws -> Output {
        try state.wait(until: { $0.results[index] != nil }, then: { $0.results.removeValue(forKey: index)! }).get()
    }

    /// A worker's loop: takes items until the queue is closed (or empty and closed).
    func runWorker(_ work: (consuming Item) throws -> Output) {
        while true {
            let next: (index: Int, item: Item)? = state.wait(
                until: { $0.closed || !$0.waiting.isEmpty },
                then: { state in state.closed ? nil : state.waiting.removeFirst() })
            guard let (index, item) = consume next else { return }
            // Handed on, not captured by a closure: the work then owns the only copy.
            let result: Result<Output, any Error>
            do {
                result = .success(try work(consume item))
            } catch {
                result = .failure(error)
            }
            state.update { state in
                state.results[index] = result
                // A failed item ends the stream: later items are never needed.
                if case .failure = result { state.closed = true }
            }
        }
    }
}
