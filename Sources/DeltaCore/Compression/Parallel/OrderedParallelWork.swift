import Synchronization

/// Work split into independent items, done on several threads and used in order: the one
/// facility behind parallel recompression.
///
/// Items are made on the calling thread a window at a time, the window's items are worked on
/// by up to `jobs` threads (``BlockingWork/parallelForEach(count:jobs:_:)``, each thread
/// taking the next item), and the results are consumed on the calling thread in item
/// order. Memory is bounded by one window of items and results.
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
    /// end), `window` of them at a time are worked on in parallel, and `consume` receives
    /// the results in order on the calling thread.
    static func stream<Item: Sendable, Output: Sendable>(
        jobs: Int, window: Int, next: () throws -> Item?,
        work: @escaping @Sendable (Item) throws -> Output,
        consume: (Output) throws -> Void
    ) throws {
        var ended = false
        while !ended {
            var items: [Item] = []
            while items.count < max(1, window) {
                guard let item = try next() else { ended = true; break }
                items.append(item)
            }
            for output in try map(items, jobs: jobs, work) { try consume(output) }
        }
    }
}
