#if canImport(Glibc)
import Glibc
#endif

/// The calendar clock, for ages kept on disk (measurements, stale temporary files). Durations
/// within one run use `ContinuousClock` instead: this clock can jump.
public enum WallClock {
    /// Whole seconds since 1970-01-01 UTC. The corresponding C function is `time`.
    public static func secondsSinceEpoch() -> Int64 {
        Int64(time(nil))
    }
}
