#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way DeltaCore and its tools run blocking work (file I/O, hashing, seconds of CPU)
/// off Swift's cooperative pool, whose few threads must stay free for tasks.
///
/// Work runs on worker threads of this process: a thread left idle by one piece of work takes
/// the next, and a new thread starts when none is idle, so that every piece starts at once.
/// That matters: a producer and its consumer (``BackgroundDigest``) each need a thread, and a
/// fixed pool would deadlock once every thread held a producer waiting for its consumer. How
/// much runs in parallel is bounded by the callers' `jobs`, not by the pool.
public enum BlockingWork {
    /// The number of online processors: the default for `jobs`.
    public static var processorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Runs `work` on a worker thread and resumes the calling task with its result.
    /// - Throws: what `work` throws.
    public static func run<T: Sendable, Failure: Error>(
        _ work: @escaping @Sendable () throws(Failure) -> T
    ) async throws(Failure) -> T {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, Failure>, Never>) in
            WorkerThreads.shared.submit {
                continuation.resume(returning: Result { () throws(Failure) -> T in try work() })
            }
        }
        return try result.get()
    }

    /// Starts `work` on a worker thread and returns at once; ``Pending/wait()`` joins it.
    public static func start<T: Sendable>(_ work: @escaping @Sendable () -> T) -> Pending<T> {
        let pending = Pending<T>()
        WorkerThreads.shared.submit { pending.finish(work()) }
        return pending
    }

    /// Calls `body` with each index in `0..<count`, on up to `jobs` threads (the calling
    /// thread is one of them), and returns when every call has returned.
    ///
    /// The calling thread takes indices too and waits only for calls already running on
    /// other threads, so a call made from a worker thread never waits for a thread to start.
    public static func parallelForEach(count: Int, jobs: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let helpers = min(jobs, count) - 1
        guard helpers > 0 else {
            for index in 0..<count { body(index) }
            return
        }
        let shared = ParallelLoop(count: count)
        let runner: @Sendable () -> Void = {
            while let index = shared.claim() {
                body(index)
                shared.finish()
            }
        }
        for _ in 0..<helpers { WorkerThreads.shared.submit(runner) }
        runner()
        shared.waitForRunning()
    }

    /// The result of a piece of work started by ``start(_:)``.
    public final class Pending<T: Sendable>: Sendable {
        private let result = ConditionMutex<T?>(nil)

        /// Waits until the work has returned, and returns what it returned. Safe to call again.
        public func wait() -> T {
            result.wait(until: { $0 != nil }, then: { $0! })
        }

        fileprivate func finish(_ value: T) {
            result.update { $0 = value }
        }
    }
}

/// The shared counters of one ``BlockingWork/parallelForEach(count:jobs:_:)``.
private final class ParallelLoop: Sendable {
    private struct State {
        var next = 0
        var running = 0
    }

    private let count: Int
    private let state = ConditionMutex(State())

    init(count: Int) { self.count = count }

    /// The next index to work on, or nil when all are taken.
    func claim() -> Int? {
        state.update { state in
            guard state.next < count else { return nil }
            state.next += 1
            state.running += 1
            return state.next - 1
        }
    }

    func finish() {
        state.update { $0.running -= 1 }
    }

    /// Waits until every index is taken and none is still being worked on.
    func waitForRunning() {
        state.wait(until: { $0.next >= count && $0.running == 0 }, then: { _ in })
    }
}

/// The worker threads behind ``BlockingWork``.
private final class WorkerThreads: Sendable {
    static let shared = WorkerThreads(keepingIdle: 2 * BlockingWork.processorCount)

    private struct State {
        var queue: [@Sendable () -> Void] = []
        /// Threads waiting for work that have not taken any yet.
        var idle = 0
    }

    private enum Step {
        case run(@Sendable () -> Void)
        case wait, exit
    }

    private let state = ConditionMutex(State())
    private let keepingIdle: Int

    private init(keepingIdle: Int) { self.keepingIdle = keepingIdle }

    /// Runs `work` on an idle thread, or on a new one when none is idle.
    func submit(_ work: @escaping @Sendable () -> Void) {
        let needsThread = state.update { state in
            state.queue.append(work)
            return state.idle < state.queue.count
        }
        if needsThread { Self.startThread { [self] in runJobs() } }
    }

    private func runJobs() {
        while true {
            let step: Step = state.update { state in
                if !state.queue.isEmpty { return .run(state.queue.removeFirst()) }
                // Idle threads beyond those worth keeping end.
                guard state.idle < keepingIdle else { return .exit }
                state.idle += 1
                return .wait
            }
            switch step {
            case .run(let work):
                work()
            case .wait:
                let work = state.wait(
                    until: { !$0.queue.isEmpty },
                    then: { state in
                        state.idle -= 1
                        return state.queue.removeFirst()
                    })
                work()
            case .exit:
                return
            }
        }
    }

    /// Starts a detached thread with an 8 MiB stack (the suffix sort and the codecs keep
    /// large frames). The corresponding C function is `pthread_create`.
    private static func startThread(_ body: @escaping @Sendable () -> Void) {
        final class Box: Sendable {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, 8 << 20)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(
            &thread, &attributes,
            { context in
                Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
                return nil
            }, context)
        precondition(status == 0, "cannot start a worker thread: \(String(cString: strerror(status)))")
    }
}
