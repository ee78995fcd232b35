import Synchronization

/// Stops a rebuild from outside: a fetch cancels it when it runs so far behind its estimate
/// that a plain download will finish first. A pipelined rebuild stops within one chunk of its
/// recompression; a rebuild stage after stage stops between stages. Either way it throws
/// ``RebuildError/cancelled`` and leaves nothing behind.
public final class RebuildCancellation: Sendable {
    private let cancelled = Atomic<Bool>(false)

    /// Not cancelled yet.
    public init() {}

    /// Asks the rebuild to stop.
    public func cancel() {
        cancelled.store(true, ordering: .relaxed)
    }

    /// Whether ``cancel()`` was called.
    public var isCancelled: Bool {
        cancelled.load(ordering: .relaxed)
    }

    /// Throws ``RebuildError/cancelled`` once cancelled.
    func check() throws(RebuildError) {
        if isCancelled { throw .cancelled }
    }
}
