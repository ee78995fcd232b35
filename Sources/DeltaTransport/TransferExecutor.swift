import DeltaCore

/// A task executor with one thread of its own, which network transfers prefer.
///
/// HTTP timeouts run on NIO's event loops, but the task reading a response does not: the
/// request deadline is only cancelled, and the body only drained, when that task is
/// scheduled. On the shared cooperative pool (one thread per core) a caller's own synchronous
/// work can hold every thread for seconds, so a server that answered at once would be timed
/// out as stalled. Transfers therefore run on this thread (one of ``BlockingWork``'s, kept
/// for the process's life), which only ever waits for the network and writes what arrives,
/// so a timeout measures the server and not the scheduler.
final class TransferExecutor: TaskExecutor, Sendable {
    /// The executor every downloader in the process shares.
    static let shared = TransferExecutor()

    private let queue = ConditionMutex<[UnownedJob]>([])

    private init() {
        _ = BlockingWork.start { [self] in runJobs() }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.update { $0.append(job) }
    }

    private func runJobs() {
        let executor = asUnownedTaskExecutor()
        while true {
            let batch = queue.wait(
                until: { !$0.isEmpty },
                then: { queue in
                    defer { queue.removeAll(keepingCapacity: true) }
                    return queue
                })
            for job in batch { job.runSynchronously(on: executor) }
        }
    }
}
