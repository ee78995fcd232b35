import Foundation

/// Long synchronous work (a rebuild, a whole-file digest) run on a thread of its own.
///
/// The cooperative pool has one thread per core; work that holds one for seconds delays
/// every other task of the process, other fetches' bookkeeping included. A thread per call
/// is cheap next to work that long.
enum BlockingWork {
    /// Runs `work` on a new thread and returns what it returns, or throws what it throws.
    static func run<T: Sendable, Failure: Error>(
        _ name: String, _ work: @escaping @Sendable () throws(Failure) -> T
    ) async throws(Failure) -> T {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, Failure>, Never>) in
            let thread = Thread {
                continuation.resume(returning: Result { () throws(Failure) -> T in try work() })
            }
            thread.name = name
            thread.stackSize = 8 << 20
            thread.start()
        }
        return try result.get()
    }
}
