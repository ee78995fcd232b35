import Synchronization

/// The share of a core each of a rebuild's threads can expect right now, from 0 (none) to 1
/// (the cores are free). Rebuild speeds measured or built in are for free cores; the planner
/// multiplies them by this share, and a rebuild's measured speeds are divided by it before
/// they are remembered, so that the memory holds free-core figures whatever the load was.
///
/// It is measured, not guessed from the load average: a few threads of this process spin for
/// a moment and count the CPU time they were given. That sees what the load average cannot:
/// competing work that runs at a lower priority (a `nice`d build leaves the cores nearly
/// free for us), CPU quotas of a container, and cores busy with work the load average
/// already forgot.
public struct CPUShare: Hashable, Sendable, CustomStringConvertible {
    /// From ``minimum`` to 1.
    public let value: Double

    /// The least share a measurement or a setting gives: below it the estimate would only
    /// say "never patch", which a plain download's own estimate decides as well.
    public static let minimum = 0.02

    /// The cores are free: built-in and measured speeds hold as they are.
    public static let free = CPUShare(1)

    /// A share of `value`, clamped to ``minimum``…1.
    public init(_ value: Double) {
        self.value = value.isFinite ? min(1, max(Self.minimum, value)) : 1
    }

    /// How long ``measure(threads:duration:)`` spins by default: long enough that the
    /// scheduler's time slices (a few milliseconds) average out, short beside any download
    /// worth weighing (on a fast link under load, 100 ms were most of a small file's time).
    public static let probeDuration: Duration = .milliseconds(50)

    /// Measures the share: `threads` threads (a rebuild's jobs) spin for `duration` of wall
    /// time each and report the CPU time they got. The mean of their shares is the result.
    public static func measure(threads: Int, duration: Duration = probeDuration) -> CPUShare {
        let count = max(1, threads)
        let shares = Mutex([Double](repeating: 1, count: count))
        BlockingWork.parallelForEach(count: count, jobs: count) { index in
            let share = spin(for: duration)
            shares.withLock { $0[index] = share }
        }
        let all = shares.withLock { $0 }
        return CPUShare(all.reduce(0, +) / Double(all.count))
    }

    /// Spins the calling thread for `duration` of wall time; the CPU time it got over the
    /// wall time it took.
    private static func spin(for duration: Duration) -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = ThreadCPUClock.seconds()
        var counter: UInt64 = 0
        while clock.now - start < duration {
            // Work the compiler cannot drop, and a clock read every few microseconds.
            for _ in 0..<1024 { counter = counter &* 6_364_136_223_846_793_005 &+ 1 }
        }
        let wall = (clock.now - start).inSeconds
        let cpu = ThreadCPUClock.seconds() - cpuStart
        blackHole(counter)
        return wall > 0 ? cpu / wall : 1
    }

    @inline(never)
    private static func blackHole(_ value: UInt64) {
        if value == 1 { _ = ThreadCPUClock.seconds() }
    }

    /// "37 % of the CPU".
    public var description: String { "\(Int((value * 100).rounded())) % of the CPU" }
}
