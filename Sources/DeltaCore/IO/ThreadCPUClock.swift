#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The CPU time the calling thread has been given, for measuring how much of a core a thread
/// gets while others compete for it. Durations of wall time use `ContinuousClock`.
public enum ThreadCPUClock {
    /// Seconds of CPU time the calling thread has used since it started. The corresponding C
    /// function is `clock_gettime` with `CLOCK_THREAD_CPUTIME_ID`.
    public static func seconds() -> Double {
        var now = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) == 0 else { return 0 }
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
