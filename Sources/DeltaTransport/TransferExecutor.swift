import Foundation

/// A task executor with one thread of its own, which network transfers prefer.
///
/// HTTP timeouts run on NIO's event loops, but the task reading a response does not: the
/// request deadline is only cancelled, and the body only drained, when that task is
/// scheduled. On the shared cooperative pool (one thread per core) a rebuild, a digest or a
/// caller's own synchronous work can hold every thread for seconds, so a server that
/// answered at once would be timed out as stalled. Transfers therefore run on this thread,
/// which only ever waits for the network and writes what arrives, so a timeout measures
/// the server and not the scheduler.
final class TransferExecutor: TaskExecutor, @unchecked Sendable {
    /// The executor every downloader in the process shares; its thread lives as long as the process.
    static let shared = TransferExecutor(name: "deltafetch-transfers")

    private let condition = NSCondition()
    private var queue: [UnownedJob] = []

    private init(name: String) {
        let thread = Thread { [self] in runJobs() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    private func runJobs() {
        let executor = asUnownedTaskExecutor()
        var batch: [UnownedJob] = []
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            swap(&batch, &queue)
            condition.unlock()
            for job in batch { job.runSynchronously(on: executor) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
