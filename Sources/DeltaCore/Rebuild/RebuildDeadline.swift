import Synchronization

/// Watches a rebuild against a plain download of the same file. A time-aware fetch chose to
/// patch from estimates; when the rebuild's own progress says it still needs far longer than
/// the whole file would take to download (the machine got busy, or its speeds were guessed),
/// the deadline cancels it (``RebuildCancellation``) so that the fetch downloads whole: a
/// wrong guess then costs seconds, not minutes. (What the rebuild ran at is measured where
/// every rebuild is measured, by the fetcher's timing of its progress events.)
public final class RebuildDeadline: Sendable {
    /// When a rebuild is given up.
    public struct Rule: Sendable, Equatable {
        /// Seconds of progress (from the first recompression progress on, so that filling the
        /// pipeline does not count) before a projection is trusted.
        public var minimumElapsed: Double
        /// The rebuild is given up when the seconds it still needs exceed this many times the
        /// download's estimate, plus ``slack``: early projections are rough, and a little
        /// lateness costs less than throwing the work away.
        public var tolerance: Double
        /// Seconds added to the allowance.
        public var slack: Double

        /// A rule.
        public init(minimumElapsed: Double, tolerance: Double, slack: Double) {
            self.minimumElapsed = minimumElapsed
            self.tolerance = tolerance
            self.slack = slack
        }

        /// After a second, more than 1.5 × the download plus a second still to go.
        public static let standard = Rule(minimumElapsed: 1, tolerance: 1.5, slack: 1)
    }

    private struct State {
        var reason: String?
        /// The first progress event: seconds since the start, and bytes done.
        var first: (elapsed: Double, done: UInt64)?
    }

    /// Cancelled when the rebuild falls behind; pass it to the rebuild.
    public let cancellation = RebuildCancellation()
    private let start = ContinuousClock.now
    private let downloadSeconds: Double
    private let rule: Rule
    private let state = Mutex(State())

    /// A deadline for a rebuild competing with a plain download estimated at `downloadSeconds`.
    public init(downloadSeconds: Double, rule: Rule = .standard) {
        self.downloadSeconds = downloadSeconds
        self.rule = rule
    }

    /// Projects the rebuild's end from a progress event (pass every one) and cancels the
    /// rebuild when it would end too late. The projection uses the pace since the first
    /// progress event: the time to fill the pipeline (decompressing, applying, the first
    /// segments in flight) is paid once, not for every byte still to come.
    public func observe(_ stage: RebuildStage) {
        guard case .recompressed(let done, let total) = stage, done > 0, done < total,
            !cancellation.isCancelled
        else { return }
        let elapsed = (ContinuousClock.now - start).inSeconds
        let first = state.withLock { state in
            if state.first == nil { state.first = (elapsed, done) }
            return state.first!
        }
        let window = elapsed - first.elapsed
        guard window >= rule.minimumElapsed, window > 0, done > first.done else { return }
        let remaining = Double(total - done) * window / Double(done - first.done)
        guard remaining > rule.tolerance * downloadSeconds + rule.slack else { return }
        state.withLock {
            $0.reason =
                "the rebuild ran slower than planned: about \(Plan.format(remaining)) s still to go after "
                + "\(Plan.format(elapsed)) s, against about \(Plan.format(downloadSeconds)) s to download the whole file"
        }
        cancellation.cancel()
    }

    /// Why the rebuild was given up, or nil while it is on time.
    public var reason: String? { state.withLock { $0.reason } }
}
