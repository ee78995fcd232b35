import DeltaCore
import Synchronization

/// Times a rebuild's stages from its progress events, so that the fetcher can remember this
/// machine's apply and recompression speeds (``ThroughputMemory``). Thread-safe: the events
/// arrive on the rebuild's threads.
///
/// A pipelined rebuild (the default) starts every stage at once, so its apply figure is only
/// the moment before recompression starts and its recompression figure is the whole rebuild:
/// the planner's sum (decompress + apply + recompress) then adds up to what the overlapping
/// stages really take, instead of counting the overlapped ones twice.
final class RebuildTiming: Sendable {
    private struct Marks {
        var start = ContinuousClock.now
        var recompressionStart: ContinuousClock.Instant?
        var format: CompressionFormat?
    }

    private let marks = Mutex(Marks())

    /// Notes the time a stage begins.
    func note(_ stage: RebuildStage) {
        guard case .recompressing(let format) = stage else { return }
        marks.withLock { marks in
            marks.recompressionStart = .now
            marks.format = format
        }
    }

    /// The speeds measured: decompressing the base and applying the chain (as one apply
    /// figure), and recompressing into the target's format (apart for recipes that could not
    /// share the work out), both per content byte, as free-core figures: the seconds are
    /// scaled by `cpuShare`, the share of the cores the rebuild was expected to get.
    func samples(contentBytes: UInt64, parallel: Bool, cpuShare: CPUShare = .free) -> [ThroughputMemory.Sample] {
        let end = ContinuousClock.now
        return marks.withLock { marks in
            guard let middle = marks.recompressionStart, let format = marks.format else { return [] }
            return [
                ThroughputMemory.Sample(.apply, bytes: contentBytes, seconds: (middle - marks.start).inSeconds),
                ThroughputMemory.Sample(
                    parallel ? .recompress(format) : .serialRecompress(format), bytes: contentBytes,
                    seconds: (end - middle).inSeconds),
            ].map { $0.onFreeCores(cpuShare) }
        }
    }
}
